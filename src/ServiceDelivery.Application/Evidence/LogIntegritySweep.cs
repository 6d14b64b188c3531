using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Persistence;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Application.Evidence;

/// <summary>What one run of the integrity sweep did.</summary>
public sealed record LogSweepReport(int Chained, AnchorView? Anchor, int Checked, int Failed);

/// <summary>
/// The platform's recurring check of the evidence: chains logs written before the chain existed, signs the day's
/// anchor once the day is over, and verifies every delivery whose log was written since the last run (and every one
/// that failed before, until it verifies again). Failures are listed in the console's overview.
/// </summary>
public sealed partial class LogIntegritySweep(
    IDbContextFactory<ServiceDeliveryDbContext> contexts,
    DeliveryWriter writer,
    LogAnchoring anchoring,
    LogVerifier verifier,
    Commits commits,
    EvidenceOptions options,
    TimeProvider clock,
    ILogger<LogIntegritySweep> logger)
{
    // Logs from before the chain are chained by the first runs after an upgrade; once a run finds none there can
    // be no more (every new entry is chained as it is written), so this host stops scanning the deliveries for them.
    private bool _allChained;

    public async Task<LogSweepReport> RunAsync(CancellationToken cancellationToken)
    {
        // A bounded share per run: after an upgrade of a big database the backlog is worked off over several runs
        // instead of one that holds the sweep (and the database) for an hour.
        var chained = 0;
        if (!_allChained)
        {
            int n;
            while ((n = await writer.ChainUnchainedAsync(200, cancellationToken)) > 0 && (chained += n) < options.SweepMaxDeliveries)
            {
            }

            _allChained = n == 0;
        }

        var anchor = await anchoring.AnchorDayAsync(cancellationToken);

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var from = await db.LogVerificationRuns.OrderByDescending(r => r.Id).Select(r => (DateTimeOffset?)r.Through).FirstOrDefaultAsync(cancellationToken)
                   ?? DateTimeOffset.UnixEpoch;
        var through = clock.GetUtcNow() - options.CommitMargin;
        if (through < from)
        {
            through = from;
        }

        // At most SweepMaxDeliveries per run, those whose last entry is oldest first; when there are more, the run
        // ends at the next one's time and the next run goes on from there.
        var changed = await db.Database.SqlQuery<Written>($"""
            SELECT delivery_id, max(at) AS last FROM process_log WHERE at >= {from} AND at < {through}
            GROUP BY delivery_id ORDER BY 2 LIMIT {options.SweepMaxDeliveries + 1}
            """).ToListAsync(cancellationToken);
        if (changed.Count > options.SweepMaxDeliveries)
        {
            through = changed[^1].Last;
            changed = [.. changed.Where(c => c.Last < through)];
        }

        var failing = await db.LogIntegrityFailures.Select(f => f.DeliveryId).ToListAsync(cancellationToken);
        var ids = changed.Select(c => c.DeliveryId).Union(failing).ToList();
        var failed = 0;
        foreach (var batch in ids.Chunk(Math.Max(1, options.SweepBatch)))
        {
            await using var batchDb = await contexts.CreateDbContextAsync(cancellationToken);
            var known = await batchDb.LogIntegrityFailures.Where(f => batch.Contains(f.DeliveryId)).ToDictionaryAsync(f => f.DeliveryId, cancellationToken);
            foreach (var id in batch)
            {
                var result = await verifier.VerifyAsync(batchDb, id, cancellationToken);
                known.TryGetValue(id, out var failure);
                if (result is null || result.Valid)
                {
                    if (failure is not null)
                    {
                        batchDb.LogIntegrityFailures.Remove(failure);
                    }

                    continue;
                }

                failed++;
                LogBroken(logger, id, result.FirstBrokenSeq, result.Reason);
                if (failure is null)
                {
                    batchDb.LogIntegrityFailures.Add(failure = new LogIntegrityFailureRecord { DeliveryId = id, Reason = result.Reason! });
                }

                failure.Reason = result.Reason!;
                failure.FirstBrokenSeq = result.FirstBrokenSeq;
                failure.CheckedAt = clock.GetUtcNow();
            }

            await commits.SaveAsync(batchDb);
        }

        db.LogVerificationRuns.Add(new LogVerificationRunRecord { From = from, Through = through, Checked = ids.Count, Failed = failed, FinishedAt = clock.GetUtcNow() });
        await commits.SaveAsync(db);
        return new LogSweepReport(chained, anchor, ids.Count, failed);
    }

    private sealed record Written(Guid DeliveryId, DateTimeOffset Last);

    [LoggerMessage(Level = LogLevel.Error, Message = "The process log of delivery {DeliveryId} does not verify: entry {Seq}, {Reason}")]
    private static partial void LogBroken(ILogger logger, Guid deliveryId, int? seq, string? reason);
}
