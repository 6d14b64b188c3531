using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Engine.Simulation;
using ServiceDelivery.Persistence;

namespace ServiceDelivery.Application.Definitions;

/// <summary>The Studio's and the API's reads of process definitions: lists, one definition, versions, saved scenarios.</summary>
public sealed class DefinitionQueries(ServiceDeliveryDbContext db, DefinitionCatalog catalog)
{
    /// <summary>How many deliveries run (not finished) on each version of <paramref name="key"/>, for the history.</summary>
    public async Task<IReadOnlyDictionary<int, int>> RunningPerVersionAsync(string key, CancellationToken cancellationToken) =>
        await db.Deliveries.AsNoTracking()
            .Where(d => d.DefinitionKey == key && (d.Status == "active" || d.Status == "paused"))
            .GroupBy(d => d.DefinitionVersion)
            .Select(g => new { Version = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Version, g => g.Count, cancellationToken);

    public async Task<IReadOnlyList<ScenarioView>> ScenariosAsync(string key, CancellationToken cancellationToken) =>
        (await db.DefinitionScenarios.AsNoTracking().Where(s => s.Key == key).OrderBy(s => s.Name).ToListAsync(cancellationToken))
            .Select(s => new ScenarioView(s.Key, s.Name, SimulationScenario.DeserializeSteps(s.Steps).Count, s.ExpectedStage, s.SavedAt, s.SavedBy))
            .ToList();

    /// <summary>The saved scenarios of <paramref name="key"/> with their steps, ready to replay.</summary>
    public async Task<IReadOnlyList<SimulationScenario>> LoadScenariosAsync(string key, CancellationToken cancellationToken) =>
        (await db.DefinitionScenarios.AsNoTracking().Where(s => s.Key == key).OrderBy(s => s.Name).ToListAsync(cancellationToken))
            .Select(s => new SimulationScenario(s.Name, SimulationScenario.DeserializeSteps(s.Steps), s.ExpectedStage))
            .ToList();

    public async Task<IReadOnlyList<DefinitionSummary>> ListAsync(CancellationToken cancellationToken)
    {
        var versions = await db.DefinitionVersions.AsNoTracking()
            .GroupBy(d => d.Key)
            .Select(g => new { Key = g.Key, Latest = g.Max(d => d.Version) })
            .ToListAsync(cancellationToken);
        var drafts = await db.DefinitionDrafts.AsNoTracking().Select(d => d.Key).ToListAsync(cancellationToken);
        var summaries = new List<DefinitionSummary>();
        foreach (var key in versions.Select(v => v.Key).Union(drafts).Order(StringComparer.Ordinal))
        {
            var latest = versions.FirstOrDefault(v => v.Key == key)?.Latest;
            var definition = latest is null ? null : await catalog.GetAsync(db, key, latest.Value, cancellationToken);
            summaries.Add(new DefinitionSummary(key, definition?.Name, latest, drafts.Contains(key)));
        }

        return summaries;
    }

    public async Task<Result<DefinitionDetail>> GetAsync(string key, CancellationToken cancellationToken)
    {
        var latest = await db.DefinitionVersions.AsNoTracking().Where(d => d.Key == key).OrderByDescending(d => d.Version).FirstOrDefaultAsync(cancellationToken);
        var draft = await db.DefinitionDrafts.AsNoTracking().FirstOrDefaultAsync(d => d.Key == key, cancellationToken);
        if (latest is null && draft is null)
        {
            return Failure.NotFound;
        }

        return new DefinitionDetail(
            key,
            latest is null ? null : DefinitionCommands.ToView(latest),
            draft is null ? null : new DefinitionDraftView(key, draft.Json, draft.Revision, draft.UpdatedAt, DefinitionCommands.Validate(draft.Json)));
    }

    public async Task<Result<DefinitionVersionView>> GetVersionAsync(string key, int version, CancellationToken cancellationToken)
    {
        var record = await db.DefinitionVersions.AsNoTracking().FirstOrDefaultAsync(d => d.Key == key && d.Version == version, cancellationToken);
        return record is null ? Failure.NotFound : DefinitionCommands.ToView(record);
    }
}
