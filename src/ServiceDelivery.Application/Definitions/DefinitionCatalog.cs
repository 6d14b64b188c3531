using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Persistence;

namespace ServiceDelivery.Application;

/// <summary>
/// Compiled definitions by key and version. Published versions never change, so each is compiled once per
/// process and kept; a delivery always runs on the version it started with.
/// </summary>
public sealed class DefinitionCatalog
{
    private readonly ConcurrentDictionary<(string Key, int Version), ProcessDefinition> _compiled = new();

    public async Task<ProcessDefinition?> GetAsync(ServiceDeliveryDbContext db, string key, int version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (_compiled.TryGetValue((key, version), out var cached))
        {
            return cached;
        }

        var json = await db.DefinitionVersions.AsNoTracking()
            .Where(d => d.Key == key && d.Version == version)
            .Select(d => d.Json)
            .FirstOrDefaultAsync(cancellationToken);
        return json is null ? null : _compiled.GetOrAdd((key, version), _ => ProcessDefinitionLoader.LoadValid(json, version));
    }

    /// <summary>The newest published version of <paramref name="key"/>, or null when none is published.</summary>
    public async Task<ProcessDefinition?> LatestAsync(ServiceDeliveryDbContext db, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var latest = await db.DefinitionVersions.AsNoTracking().Where(d => d.Key == key).MaxAsync(d => (int?)d.Version, cancellationToken);
        return latest is null ? null : await GetAsync(db, key, latest.Value, cancellationToken);
    }
}
