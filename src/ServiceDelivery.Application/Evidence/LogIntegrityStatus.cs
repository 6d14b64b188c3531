using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Persistence;

namespace ServiceDelivery.Application.Evidence;

/// <summary>A delivery whose history did not verify in the integrity sweep: the first entry that cannot be trusted and why.</summary>
public sealed record IntegrityFailureItem(Guid DeliveryId, string OrderId, int? FirstBrokenSeq, string Reason, DateTimeOffset CheckedAt);

/// <summary>The last run of the integrity sweep: when it finished and how many deliveries it checked.</summary>
public sealed record IntegrityRunItem(DateTimeOffset FinishedAt, int Checked, int Failed);

/// <summary>What the console's overview says about the process logs: the failures the sweep keeps and its last run (null before the first).</summary>
public sealed record IntegrityStatus(IReadOnlyList<IntegrityFailureItem> Failures, int FailureCount, IntegrityRunItem? LastRun);

/// <summary>The integrity sweep's findings for the platform (table log_integrity_failures and log_verification_runs).</summary>
public sealed class LogIntegrityStatus(ServiceDeliveryDbContext db)
{
    /// <summary>The overview lists at most this many failures, the earliest checked first; the count is the whole.</summary>
    public const int ListLength = 50;

    public async Task<Result<IntegrityStatus>> ReadAsync(Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.Is(Caller.Platform))
        {
            return Failure.Forbidden;
        }

        var failures = await db.LogIntegrityFailures.AsNoTracking()
            .OrderBy(f => f.CheckedAt).ThenBy(f => f.DeliveryId)
            .Take(ListLength)
            .Join(db.Deliveries, f => f.DeliveryId, d => d.Id, (f, d) => new IntegrityFailureItem(f.DeliveryId, d.OrderId, f.FirstBrokenSeq, f.Reason, f.CheckedAt))
            .ToListAsync(cancellationToken);
        var count = failures.Count < ListLength ? failures.Count : await db.LogIntegrityFailures.CountAsync(cancellationToken);
        var last = await db.LogVerificationRuns.AsNoTracking().OrderByDescending(r => r.Id)
            .Select(r => new IntegrityRunItem(r.FinishedAt, r.Checked, r.Failed))
            .FirstOrDefaultAsync(cancellationToken);
        return new IntegrityStatus(failures, count, last);
    }
}
