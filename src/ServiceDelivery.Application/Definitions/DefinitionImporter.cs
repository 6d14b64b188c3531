using System.Text.Json.Nodes;
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
/// Shipped files and designers' publishes share one numbering: a file whose version number a designer already
/// used for other content is refused and reported as an error (renumber the file above the latest version),
/// never silently skipped.
/// </summary>
public sealed partial class DefinitionImporter(ServiceDeliveryDbContext db, TimeProvider clock, ILogger<DefinitionImporter> logger)
{
    public async Task<ImportResult> ImportAsync(string folder, CancellationToken cancellationToken)
    {
        var imported = new List<(string, int)>();
        var refused = new List<ImportRefusal>();
        if (!Directory.Exists(folder))
        {
            LogMissingFolder(logger, folder);
            return new ImportResult(imported, refused);
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
                var same = await db.DefinitionVersions.AsNoTracking()
                    .Where(d => d.Key == definition.Key && d.Version == definition.Version)
                    .Select(d => new { d.Json, d.PublishedBy })
                    .FirstOrDefaultAsync(cancellationToken);
                if (same is not null && !JsonNode.DeepEquals(JsonNode.Parse(same.Json), JsonNode.Parse(json)))
                {
                    refused.Add(new ImportRefusal(Path.GetFileName(file), definition.Key, definition.Version, same.PublishedBy, latest));
                    LogNumberTaken(logger, Path.GetFileName(file), definition.Key, definition.Version, same.PublishedBy, latest + 1);
                }

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

        return new ImportResult(imported, refused);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Shipped definition {File} was not imported: {Key} v{Version} is already published by {PublishedBy} with other content. Shipped files and designers share version numbers; renumber the file to v{Next} or above")]
    private static partial void LogNumberTaken(ILogger logger, string file, string key, int version, string publishedBy, int next);

    [LoggerMessage(Level = LogLevel.Information, Message = "Imported process definition {Key} v{Version} from workflows/")]
    private static partial void LogImported(ILogger logger, string key, int version);

    [LoggerMessage(Level = LogLevel.Error, Message = "Shipped definition {File} is invalid and was not imported: {Errors}")]
    private static partial void LogInvalid(ILogger logger, string file, string errors);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Definitions folder {Folder} does not exist; nothing imported")]
    private static partial void LogMissingFolder(ILogger logger, string folder);
}

/// <summary>What an import published, and which shipped files it refused because their version number was taken.</summary>
public sealed record ImportResult(IReadOnlyList<(string Key, int Version)> Imported, IReadOnlyList<ImportRefusal> Refused);

/// <summary>A shipped file whose version number already belongs to other content (published by <paramref name="PublishedBy"/>).</summary>
public sealed record ImportRefusal(string File, string Key, int Version, string PublishedBy, int Latest);
