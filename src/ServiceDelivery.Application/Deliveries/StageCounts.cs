using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Persistence;

namespace ServiceDelivery.Application.Deliveries;

/// <summary>
/// Exact counts of all deliveries per definition version and stage in O(stages): a trigger on <c>deliveries</c>
/// appends a -1 / +1 row to <c>stage_counts</c> whenever a delivery is created, moves (to another stage or version)
/// or is deleted, in the writer's own transaction.
/// Appending (instead of updating one counter row per stage) means concurrent writers never queue on a counter
/// and never deadlock; <see cref="CompactAsync"/> folds the rows up so reading stays cheap.
/// </summary>
public static class StageCounts
{
    public static async Task<Dictionary<string, int>> ReadAsync(ServiceDeliveryDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var rows = await db.Database
            .SqlQuery<StageCount>($"SELECT stage AS \"Stage\", sum(n)::int AS \"Count\" FROM stage_counts GROUP BY stage")
            .ToListAsync(cancellationToken);
        return rows.Where(r => r.Count != 0).ToDictionary(r => r.Stage, r => r.Count, StringComparer.Ordinal);
    }

    /// <summary>Deliveries per stage on each version of <paramref name="key"/> (stages with none left out).</summary>
    public static async Task<IReadOnlyList<VersionStageCount>> ReadPerVersionAsync(ServiceDeliveryDbContext db, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var rows = await db.Database.SqlQuery<VersionStageCount>($"""
            SELECT definition_version AS "Version", stage AS "Stage", sum(n)::int AS "Count" FROM stage_counts
            WHERE definition_key = {key} GROUP BY definition_version, stage
            """).ToListAsync(cancellationToken);
        return [.. rows.Where(r => r.Count != 0)];
    }

    /// <summary>Replaces the rows with one per version and stage. Safe next to writers and on several hosts at once.</summary>
    public static Task<int> CompactAsync(ServiceDeliveryDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);

        // The DELETE takes exactly the committed rows it sums; rows appended meanwhile stay for the next round. Two
        // hosts compacting at once: the second waits for the first's rows, finds them gone and sums nothing twice.
        return db.Database.ExecuteSqlAsync($"""
            WITH gone AS (DELETE FROM stage_counts RETURNING definition_key, definition_version, stage, n)
            INSERT INTO stage_counts (definition_key, definition_version, stage, n)
            SELECT definition_key, definition_version, stage, sum(n) FROM gone GROUP BY 1, 2, 3 HAVING sum(n) <> 0
            """, cancellationToken);
    }

    private sealed record StageCount(string Stage, int Count);
}

/// <summary>How many deliveries stand in <see cref="Stage"/> on version <see cref="Version"/> of a definition.</summary>
public sealed record VersionStageCount(int Version, string Stage, int Count);
