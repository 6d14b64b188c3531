using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Application.Outbox;
using ServiceDelivery.Engine.Execution;
using ServiceDelivery.Persistence;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Application.Timers;

/// <summary>
/// Fires due timers, each in its own transaction: the timer row is claimed with FOR UPDATE SKIP LOCKED, so any
/// number of firers on any number of hosts never take the same timer; the delivery's version check makes a
/// timer that raced with a person's action lose cleanly and try again on the next pass.
/// </summary>
public sealed partial class TimerFirer(IDbContextFactory<ServiceDeliveryDbContext> contexts, DefinitionCatalog catalog, TimeProvider clock, ITimerScheduler scheduler, IOutboxSignal signal, OutboxWriter outbox, ILogger<TimerFirer> logger)
{
    /// <summary>How long a timer whose action the engine refuses (a guard) waits before it is tried again.</summary>
    public static readonly TimeSpan RetryAfterRefusal = TimeSpan.FromHours(1);

    /// <summary>True while some running timer is due (busy deliveries can hold one back for a moment).</summary>
    public async Task<bool> AnyDueAsync(CancellationToken cancellationToken)
    {
        var now = clock.Now();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Timers.AnyAsync(t => t.State == TimerRecord.States.Running && t.DueAt <= now, cancellationToken);
    }

    /// <summary>Fires timers due now until none is left or <paramref name="limit"/> have fired.</summary>
    /// <returns>How many fired.</returns>
    public async Task<int> FireDueAsync(int limit, CancellationToken cancellationToken)
    {
        var fired = 0;
        var conflicts = 0;
        while (fired < limit && !cancellationToken.IsCancellationRequested)
        {
            Outcome outcome;
            try
            {
                outcome = await FireOneAsync(cancellationToken);
            }
            catch (TimerBrokenException broken)
            {
                // One broken timer (a bug, a missing definition) must not stop every other timer: set it aside.
                LogBroken(logger, broken.TimerId, broken.InnerException!);
                await PostponeAsync(broken.TimerId, CancellationToken.None);
                outcome = Outcome.Refused;
            }

            if (outcome == Outcome.NothingDue)
            {
                break;
            }

            if (outcome == Outcome.Fired)
            {
                fired++;
            }
            else if (++conflicts > 50)
            {
                // Someone keeps winning the race; the sweep will come back.
                break;
            }
        }

        return fired;
    }

    private async Task<Outcome> FireOneAsync(CancellationToken cancellationToken)
    {
        var now = clock.Now();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Claim the earliest due timer together with its delivery, skipping any whose timer or delivery another
        // transaction holds: a firer never waits, so it can never be part of a deadlock.
        var claimed = await db.Timers
            .FromSql($"""
                SELECT t.* FROM timers t JOIN deliveries d ON d.id = t.delivery_id
                WHERE t.state = 'running' AND t.due_at <= {now}
                ORDER BY t.due_at LIMIT 1
                FOR UPDATE OF t, d SKIP LOCKED
                """)
            .AsNoTracking()
            .ToListAsync(cancellationToken);
        if (claimed.Count == 0)
        {
            return Outcome.NothingDue;
        }

        var timer = claimed[0];
        Failure? refused;
        DeliveryAggregate aggregate;
        try
        {
            aggregate = await DeliveryAggregate.LoadAsync(db, catalog, timer.DeliveryId, cancellationToken)
                ?? throw new InvalidOperationException($"Timer {timer.Id} belongs to missing delivery {timer.DeliveryId}.");
            refused = DeliveryTransaction.Decide(db, aggregate, new FireTimer(timer.Key), now, outbox);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new TimerBrokenException(timer.Id, ex);
        }

        if (refused is not null)
        {
            LogRefused(logger, timer.Key, timer.DeliveryId, refused.Code);
            db.ChangeTracker.Clear();
            var tracked = await db.Timers.FirstAsync(t => t.Id == timer.Id, cancellationToken);
            if (refused.Code == "invalid_transition")
            {
                // Stale: the engine no longer knows it as live (its stage moved on under a migration, say).
                tracked.State = TimerRecord.States.Cancelled;
                tracked.EndedAt = now;
            }
            else
            {
                // A guard holds it back: look again later rather than spin.
                tracked.DueAt = now + RetryAfterRefusal;
            }

            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return Outcome.Refused;
        }

        var wroteOutbox = DeliveryTransaction.WritesOutbox(db);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex is DbUpdateConcurrencyException || ex.IsUniqueViolation())
        {
            LogConflict(logger, timer.Key, timer.DeliveryId);
            return Outcome.Conflict;
        }

        LogFired(logger, timer.Key, timer.DeliveryId, now - timer.DueAt!.Value);
        scheduler.WakeAt(aggregate.LiveTimers.Where(t => t.State == TimerRecord.States.Running && t.DueAt is not null).Select(t => t.DueAt!.Value));
        if (wroteOutbox)
        {
            signal.Pending();
        }

        return Outcome.Fired;
    }

    private async Task PostponeAsync(Guid timerId, CancellationToken cancellationToken)
    {
        var later = clock.Now() + RetryAfterRefusal;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.Timers.Where(t => t.Id == timerId && t.State == TimerRecord.States.Running)
            .ExecuteUpdateAsync(set => set.SetProperty(t => t.DueAt, later), cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Timer {TimerId} could not be fired and is set aside for an hour")]
    private static partial void LogBroken(ILogger logger, Guid timerId, Exception exception);

    private sealed class TimerBrokenException(Guid timerId, Exception inner) : Exception("A timer could not be fired.", inner)
    {
        public Guid TimerId { get; } = timerId;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Timer {Timer} of delivery {DeliveryId} fired {Lag} after its due time")]
    private static partial void LogFired(ILogger logger, string timer, Guid deliveryId, TimeSpan lag);

    [LoggerMessage(Level = LogLevel.Information, Message = "Timer {Timer} of delivery {DeliveryId} lost a race with another write; it will be retried")]
    private static partial void LogConflict(ILogger logger, string timer, Guid deliveryId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Timer {Timer} of delivery {DeliveryId} was refused by the engine ({Code}); retrying later")]
    private static partial void LogRefused(ILogger logger, string timer, Guid deliveryId, string code);

    private enum Outcome
    {
        NothingDue,
        Fired,
        Conflict,
        Refused,
    }
}
