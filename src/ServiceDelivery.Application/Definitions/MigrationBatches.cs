using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Persistence;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Application.Definitions;

/// <summary>The running deliveries of one stage of the old version, and whether the newest version still has it.</summary>
public sealed record MigrationStageCount(string Stage, LocalizedText Name, int Count, bool InTarget);

/// <summary>What a migration of <c>FromVersion</c> to the newest version would move (and what needs a mapping).</summary>
public sealed record MigrationPreview(string Key, int FromVersion, int ToVersion, IReadOnlyList<MigrationStageCount> Stages, IReadOnlyList<(string Key, LocalizedText Name)> TargetStages)
{
    public int Total => Stages.Sum(s => s.Count);

    /// <summary>Stages that need a mapping (gone in the target) and have deliveries.</summary>
    public IEnumerable<string> Unmapped(IReadOnlyDictionary<string, string> mapping) =>
        Stages.Where(s => !s.InTarget && s.Count > 0 && !mapping.ContainsKey(s.Stage)).Select(s => s.Stage);
}

/// <summary>A batch's progress as every host's page reads it.</summary>
public sealed record MigrationBatchView(Guid Id, string Key, int FromVersion, int ToVersion, int Total, int Migrated, int Failed, bool Finished, string? LastError, DateTimeOffset StartedAt, string StartedBy);

/// <summary>Starts the work of a batch soon (a hint: the recurring sweep runs unfinished batches anyway).</summary>
public interface IMigrationBatchKick
{
    void Kick();
}

/// <summary>
/// Moving the running deliveries of a published version to the newest one, as the operator confirmed it: a preview
/// per stage (with the stages the new version dropped, which need a mapping), a start that checks the typed
/// definition key, and a background run in chunks. Each delivery moves in its own transaction through the one write
/// path (<see cref="DeliveryCommands.MigrateAsync"/>), so it is logged like any migration and nothing else changes.
/// </summary>
public sealed class MigrationBatches(ServiceDeliveryDbContext db, DefinitionCatalog catalog, IServiceScopeFactory scopes, TimeProvider clock, IMigrationBatchKick kick, Commits commits)
{
    public const int ChunkSize = 50;

    private static readonly string[] Running = ["active", "paused"];

    public async Task<Result<MigrationPreview>> PreviewAsync(Caller caller, string key, int fromVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.Is(Caller.Platform) && !caller.Is(Caller.Designer))
        {
            return Failure.Forbidden;
        }

        var from = await catalog.GetAsync(db, key, fromVersion, cancellationToken);
        var to = await catalog.LatestAsync(db, key, cancellationToken);
        if (from is null || to is null)
        {
            return Failure.NotFound;
        }

        var counts = await db.Deliveries.AsNoTracking()
            .Where(d => d.DefinitionKey == key && d.DefinitionVersion == fromVersion && Running.Contains(d.Status))
            .GroupBy(d => d.Stage)
            .Select(g => new { Stage = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Stage, g => g.Count, cancellationToken);
        var stages = from.Stages.Where(s => !s.IsTerminal)
            .Select(s => new MigrationStageCount(s.Key, s.Name, counts.GetValueOrDefault(s.Key), to.TryGetStage(s.Key, out _)))
            .ToList();
        var targets = to.Stages.Where(s => !s.IsTerminal).Select(s => (s.Key, s.Name)).ToList();
        return new MigrationPreview(key, fromVersion, to.Version, stages, targets);
    }

    /// <summary>
    /// Starts moving every running delivery of <paramref name="fromVersion"/> to the newest version. The operator
    /// types the definition key to confirm; each stage the new version dropped needs a mapping to one it has.
    /// </summary>
    public async Task<Result<MigrationBatchView>> StartAsync(Caller caller, string key, int fromVersion, IReadOnlyDictionary<string, string> mapping, string? reason, string? confirmation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(mapping);
        if (!caller.Is(Caller.Platform))
        {
            // Moving running deliveries is an operator's intervention, like moving one.
            return Failure.Forbidden;
        }

        var preview = await PreviewAsync(caller, key, fromVersion, cancellationToken);
        if (preview.Failure is { } failure)
        {
            return failure;
        }

        var plan = preview.Value!;
        var errors = new List<InputError>();
        if (confirmation?.Trim() != key)
        {
            errors.Add(new InputError("confirmation", "confirmation_mismatch"));
        }

        if (plan.ToVersion <= fromVersion)
        {
            errors.Add(new InputError("fromVersion", "out_of_range"));
        }

        errors.AddRange(plan.Unmapped(mapping).Select(stage => new InputError("mapping." + stage, "required")));
        errors.AddRange(mapping.Where(m => !plan.TargetStages.Any(t => t.Key == m.Value)).Select(m => new InputError("mapping." + m.Key, "invalid_stage")));
        if (reason is { Length: > 500 })
        {
            errors.Add(new InputError("reason", "too_long", 500));
        }

        if (errors.Count > 0)
        {
            return Failure.Invalid([.. errors]);
        }

        var batch = new MigrationBatchRecord
        {
            Id = Guid.CreateVersion7(),
            Key = key,
            FromVersion = fromVersion,
            ToVersion = plan.ToVersion,
            Mapping = mapping.Where(m => plan.Stages.Any(s => s.Stage == m.Key && !s.InTarget)).ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal),
            Reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim(),
            StartedBy = caller.Id,
            StartedByName = caller.Name,
            StartedAt = clock.Now(),
            Total = plan.Total,
        };
        db.MigrationBatches.Add(batch);
        await commits.SaveAsync(db);
        kick.Kick();
        return ToView(batch);
    }

    public async Task<MigrationBatchView?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        await db.MigrationBatches.AsNoTracking().Where(b => b.Id == id).Select(b => ToView(b)).FirstOrDefaultAsync(cancellationToken);

    public async Task<IReadOnlyList<MigrationBatchView>> ListAsync(string key, CancellationToken cancellationToken) =>
        await db.MigrationBatches.AsNoTracking().Where(b => b.Key == key).OrderByDescending(b => b.StartedAt).Take(20).Select(b => ToView(b)).ToListAsync(cancellationToken);

    /// <summary>
    /// Runs every unfinished batch to its end, a chunk at a time, saving the cursor and counters after each chunk so
    /// that a batch resumes where it stopped when a host dies. The caller keeps two runs from overlapping.
    /// </summary>
    public async Task RunPendingAsync(CancellationToken cancellationToken)
    {
        var pending = await db.MigrationBatches.Where(b => b.FinishedAt == null).OrderBy(b => b.StartedAt).Select(b => b.Id).ToListAsync(cancellationToken);
        foreach (var id in pending)
        {
            while (!await RunChunkAsync(id, cancellationToken))
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
    }

    // True when the batch is finished.
    private async Task<bool> RunChunkAsync(Guid id, CancellationToken cancellationToken)
    {
        var batch = await db.MigrationBatches.FirstAsync(b => b.Id == id, cancellationToken);
        var after = batch.Cursor ?? Guid.Empty;
        var ids = await db.Deliveries.AsNoTracking()
            .Where(d => d.DefinitionKey == batch.Key && d.DefinitionVersion == batch.FromVersion && Running.Contains(d.Status) && d.Id > after)
            .OrderBy(d => d.Id)
            .Select(d => new { d.Id, d.Stage })
            .Take(ChunkSize)
            .ToListAsync(cancellationToken);
        if (ids.Count == 0)
        {
            batch.FinishedAt = clock.Now();
            await commits.SaveAsync(db);
            return true;
        }

        var caller = Caller.Of(batch.StartedBy, batch.StartedByName, Caller.Platform);
        foreach (var delivery in ids)
        {
            // Each delivery in its own scope and transaction: one refusal does not undo the others.
            await using var scope = scopes.CreateAsyncScope();
            var commands = scope.ServiceProvider.GetRequiredService<DeliveryCommands>();
            // The batch's "migrated" count moves in the delivery's own transaction: a host dying mid-chunk loses
            // neither the migration nor its count, and a delivery already moved is not selected again.
            var result = await commands.MigrateAsync(caller, delivery.Id, batch.ToVersion, batch.Reason, null, cancellationToken, batch.Mapping.GetValueOrDefault(delivery.Stage), countIn: batch.Id);
            if (result.Failure is { } failure)
            {
                batch.Failed++;
                batch.LastError = $"{delivery.Id}: {failure.Code} {string.Join(", ", failure.Errors.Select(e => e.Field + " " + e.Code))}".Trim();
            }
        }

        batch.Cursor = ids[^1].Id;
        await commits.SaveAsync(db);
        return false;
    }

    private static MigrationBatchView ToView(MigrationBatchRecord b) =>
        new(b.Id, b.Key, b.FromVersion, b.ToVersion, b.Total, b.Migrated, b.Failed, b.FinishedAt != null, b.LastError, b.StartedAt, b.StartedByName);
}
