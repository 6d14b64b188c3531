using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Engine.Execution;
using ServiceDelivery.Persistence;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Application.Timers;

/// <summary>
/// Fires due timers in batches through the <see cref="DeliveryWriter"/>: one transaction claims up to a batch of due
/// timers together with their deliveries (FOR UPDATE SKIP LOCKED), so any number of firers on any number of hosts
/// never take the same timer and never wait for a person's command; each claimed timer then fires in due order on
/// its delivery. A batch that throws is rolled back and fired one timer at a time, so one broken timer cannot hold
/// back the others.
/// </summary>
public sealed partial class TimerFirer(IDbContextFactory<ServiceDeliveryDbContext> contexts, DeliveryWriter writer, TimerBacklog backlog, TimeProvider clock, ILogger<TimerFirer> logger)
{
    /// <summary>How long a timer whose action the engine refuses (a guard) waits before it is tried again.</summary>
    public static readonly TimeSpan RetryAfterRefusal = TimeSpan.FromHours(1);

    /// <summary>Timers claimed per transaction: large enough to amortize the commit, small enough to hold few locks briefly.</summary>
    public const int BatchSize = 200;

    /// <summary>How many running timers are due now (busy deliveries and other firers hold some for a moment).</summary>
    public async Task<int> CountDueAsync(CancellationToken cancellationToken)
    {
        var now = clock.Now();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Timers.CountAsync(t => t.State == TimerRecord.States.Running && t.DueAt <= now, cancellationToken);
    }

    /// <summary>When the next running timer falls due, if any is running.</summary>
    public async Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Timers.Where(t => t.State == TimerRecord.States.Running).MinAsync(t => t.DueAt, cancellationToken);
    }

    /// <summary>Fires timers due now until none is left or <paramref name="limit"/> have fired.</summary>
    /// <returns>How many fired.</returns>
    public async Task<int> FireDueAsync(int limit, CancellationToken cancellationToken)
    {
        var fired = 0;
        while (fired < limit && !cancellationToken.IsCancellationRequested)
        {
            var batch = new Batch(logger, Math.Min(BatchSize, limit - fired), only: null);
            try
            {
                var (claimed, committed) = await writer.ChangeManyAsync(batch.ClaimAsync, batch.Fire, cancellationToken);

                // A full batch: more are likely due, and the senders hold back until a claim comes up short.
                backlog.Behind = batch.Claimed.Count == BatchSize;
                if (claimed == 0)
                {
                    break;
                }

                if (!committed)
                {
                    // Rolled back: nothing fired; the timers are still due and the next round takes them.
                    break;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException && batch.Claimed.Count > 0)
            {
                // Something in the batch is broken: nothing of it was written. Fire its timers one by one.
                LogBatchFailed(logger, batch.Claimed.Count, ex);
                fired += await FireOneByOneAsync(batch.Claimed, cancellationToken);
                continue;
            }

            fired += batch.Fired;
        }

        return fired;
    }

    private async Task<int> FireOneByOneAsync(IReadOnlyList<ClaimedTimer> timers, CancellationToken cancellationToken)
    {
        var fired = 0;
        foreach (var timer in timers)
        {
            var single = new Batch(logger, 1, only: timer.Id);
            try
            {
                if ((await writer.ChangeManyAsync(single.ClaimAsync, single.Fire, cancellationToken)).Committed)
                {
                    fired += single.Fired;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One broken timer (a bug, a missing definition) must not stop every other timer: set it aside.
                LogBroken(logger, timer.Id, ex);
                await writer.PostponeTimerAsync(timer.Id, clock.Now() + RetryAfterRefusal, CancellationToken.None);
            }
        }

        return fired;
    }

    private sealed record ClaimedTimer(Guid Id, Guid DeliveryId, string Key, DateTimeOffset DueAt);

    /// <summary>One transaction's worth of timers: what it claimed and what fired.</summary>
    private sealed class Batch(ILogger logger, int size, Guid? only)
    {
        public List<ClaimedTimer> Claimed { get; private set; } = [];

        public int Fired { get; private set; }

        public async Task<IReadOnlyCollection<Guid>> ClaimAsync(ServiceDeliveryDbContext db, DateTimeOffset now, CancellationToken cancellationToken)
        {
            // The earliest due timers with their deliveries, skipping any whose timer or delivery another transaction
            // holds: a firer never waits, so it can never be part of a deadlock.
            Claimed = await db.PlanForCurrentSizeAsync(
                () => db.Database.SqlQuery<ClaimedTimer>($"""
                    SELECT t.id, t.delivery_id, t.key, t.due_at
                    FROM timers t JOIN deliveries d ON d.id = t.delivery_id
                    WHERE t.state = 'running' AND t.due_at <= {now} AND ({only}::uuid IS NULL OR t.id = {only})
                    ORDER BY t.due_at LIMIT {size}
                    FOR UPDATE OF t, d SKIP LOCKED
                    """).ToListAsync(cancellationToken),
                cancellationToken);
            return [.. Claimed.Select(t => t.DeliveryId).Distinct()];
        }

        public void Fire(DeliveryChange change)
        {
            foreach (var timer in Claimed.Where(t => t.DeliveryId == change.Record.Id))
            {
                // An earlier timer of the same delivery may have ended this one (auto-acceptance cancels its reminders).
                var live = change.Delivery.LiveTimers.FirstOrDefault(t => t.Id == timer.Id && t.State == TimerRecord.States.Running);
                if (live is null)
                {
                    continue;
                }

                var refused = change.Decide(new FireTimer(timer.Key));
                if (refused is null)
                {
                    Fired++;
                    LogFired(logger, timer.Key, timer.DeliveryId, change.Now - timer.DueAt);
                    continue;
                }

                LogRefused(logger, timer.Key, timer.DeliveryId, refused.Code);
                if (refused.Code == Failure.InvalidTransitionCode)
                {
                    // Stale: the engine no longer knows it as live (its stage moved on under a migration, say).
                    live.State = TimerRecord.States.Cancelled;
                    live.EndedAt = change.Now;
                    change.Delivery.LiveTimers.Remove(live);
                }
                else
                {
                    // A guard holds it back: look again later rather than spin.
                    live.DueAt = change.Now + RetryAfterRefusal;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Timer {TimerId} could not be fired and is set aside for an hour")]
    private static partial void LogBroken(ILogger logger, Guid timerId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of {Count} timers failed and is fired one by one")]
    private static partial void LogBatchFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Timer {Timer} of delivery {DeliveryId} fired {Lag} after its due time")]
    private static partial void LogFired(ILogger logger, string timer, Guid deliveryId, TimeSpan lag);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Timer {Timer} of delivery {DeliveryId} was refused by the engine ({Code}); retrying later")]
    private static partial void LogRefused(ILogger logger, string timer, Guid deliveryId, string code);
}
