using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Persistence;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Application.Definitions;

/// <summary>
/// Publishes the definitions shipped in <c>workflows/</c> when a file's version is newer than what the database
/// holds. Safe on several hosts starting at once: a version is a primary key, the loser of a race skips it.
/// </summary>
public sealed partial class DefinitionImporter(ServiceDeliveryDbContext db, TimeProvider clock, ILogger<DefinitionImporter> logger)
{
    public async Task<IReadOnlyList<(string Key, int Version)>> ImportAsync(string folder, CancellationToken cancellationToken)
    {
        var imported = new List<(string, int)>();
        if (!Directory.Exists(folder))
        {
            LogMissingFolder(logger, folder);
            return imported;
        }

        foreach (var file in Directory.GetFiles(folder, "*.json").Where(f => !f.EndsWith(".schema.json", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal))
        {
            var json = await File.ReadAllTextAsync(file, cancellationToken);
            var result = ProcessDefinitionLoader.Load(json);
            if (result.Definition is not { } definition)
            {
                // A broken shipped file must not take the service down; it is reported and skipped.
                LogInvalid(logger, Path.GetFileName(file), string.Join("; ", result.Errors));
                continue;
            }

            var latest = await db.DefinitionVersions.Where(d => d.Key == definition.Key).MaxAsync(d => (int?)d.Version, cancellationToken) ?? 0;
            if (definition.Version <= latest)
            {
                continue;
            }

            db.DefinitionVersions.Add(new DefinitionVersionRecord
            {
                Key = definition.Key,
                Version = definition.Version,
                Json = json,
                PublishedAt = clock.Now(),
                PublishedBy = "workflows/" + Path.GetFileName(file),
            });

            try
            {
                await db.SaveChangesAsync(cancellationToken);
                imported.Add((definition.Key, definition.Version));
                LogImported(logger, definition.Key, definition.Version);
            }
            catch (DbUpdateException ex) when (ex.IsUniqueViolation())
            {
                db.ChangeTracker.Clear();
            }
        }

        return imported;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Imported process definition {Key} v{Version} from workflows/")]
    private static partial void LogImported(ILogger logger, string key, int version);

    [LoggerMessage(Level = LogLevel.Error, Message = "Shipped definition {File} is invalid and was not imported: {Errors}")]
    private static partial void LogInvalid(ILogger logger, string file, string errors);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Definitions folder {Folder} does not exist; nothing imported")]
    private static partial void LogMissingFolder(ILogger logger, string folder);
}
