using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Persistence;

namespace ServiceDelivery.Application.Operations;

/// <summary>
/// The exact number of open platform tasks (the overview's "refund reviews" figure) in O(1): triggers on <c>tasks</c>
/// append +1 / -1 rows to <c>open_platform_task_counts</c> in the writer's own transaction whenever such a task opens,
/// closes, is assigned or deleted (migration OpenPlatformTaskCounts). Appending instead of updating one row keeps
/// concurrent writers from queueing on a counter; <see cref="CompactAsync"/> folds the rows up.
/// </summary>
public static class OpenPlatformTaskCounts
{
    /// <summary>Replaces the rows with one. Safe next to writers and on several hosts at once (as StageCounts.CompactAsync).</summary>
    public static Task<int> CompactAsync(ServiceDeliveryDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Database.ExecuteSqlAsync($"""
            WITH gone AS (DELETE FROM open_platform_task_counts RETURNING n)
            INSERT INTO open_platform_task_counts (n) SELECT sum(n) FROM gone HAVING sum(n) <> 0
            """, cancellationToken);
    }
}
