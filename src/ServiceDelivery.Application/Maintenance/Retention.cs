using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using ServiceDelivery.Application.Attachments;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Application.Operations;
using ServiceDelivery.Persistence;

namespace ServiceDelivery.Application.Maintenance;

/// <summary>How long bookkeeping rows are kept (section <c>Retention</c>). The process log, tickets and deliveries are never purged.</summary>
public sealed class RetentionOptions
{
    public const string SectionName = "Retention";

    /// <summary>Idempotency keys: a client retrying later than this gets a new effect.</summary>
    public TimeSpan IdempotencyKeys { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Sent mails and webhooks (failed ones stay until retried or handled).</summary>
    public TimeSpan SentNotifications { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Fired and cancelled timers (the log keeps what they did).</summary>
    public TimeSpan EndedTimers { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Half-received upload files left by a host that stopped mid-upload.</summary>
    public TimeSpan StagedUploads { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Rows per DELETE: short transactions that never hold many locks or bloat one snapshot.</summary>
    public int BatchSize { get; set; } = 5000;
}

/// <summary>What one retention run removed.</summary>
public sealed record RetentionReport(int IdempotencyKeys, int SentNotifications, int EndedTimers, int StagedUploads);

/// <summary>
/// Purges what only served a moment (idempotency keys, sent notifications, ended timers, orphaned upload files)
/// in batches, and folds the kept counters (stages, open platform tasks). Runs as a recurring job; safe on several hosts at once.
/// </summary>
public sealed partial class RetentionSweep(
    IDbContextFactory<ServiceDeliveryDbContext> contexts,
    RetentionOptions options,
    TimeProvider clock,
    ILogger<RetentionSweep> logger,
    IAttachmentStorage? storage = null)
{
    public async Task<RetentionReport> RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.Now();
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            await StageCounts.CompactAsync(db, cancellationToken);
            await OpenPlatformTaskCounts.CompactAsync(db, cancellationToken);
        }

        var keys = await DeleteInBatchesAsync(
            (db, cutoff, batch) => db.Database.ExecuteSqlAsync(
                $"DELETE FROM idempotency_keys WHERE ctid IN (SELECT ctid FROM idempotency_keys WHERE created_at < {cutoff} LIMIT {batch})", cancellationToken),
            now - options.IdempotencyKeys, cancellationToken);
        var sent = await DeleteInBatchesAsync(
            (db, cutoff, batch) => db.Database.ExecuteSqlAsync(
                $"DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE status = 'sent' AND created_at < {cutoff} LIMIT {batch})", cancellationToken),
            now - options.SentNotifications, cancellationToken);
        var timers = await DeleteInBatchesAsync(
            (db, cutoff, batch) => db.Database.ExecuteSqlAsync(
                $"DELETE FROM timers WHERE id IN (SELECT id FROM timers WHERE ended_at < {cutoff} LIMIT {batch})", cancellationToken),
            now - options.EndedTimers, cancellationToken);
        var staged = storage?.DeleteStaleStaged(options.StagedUploads) ?? 0;

        var report = new RetentionReport(keys, sent, timers, staged);
        if (keys + sent + timers + staged > 0)
        {
            LogPurged(logger, keys, sent, timers, staged);
        }

        return report;
    }

    private async Task<int> DeleteInBatchesAsync(Func<ServiceDeliveryDbContext, DateTimeOffset, int, Task<int>> deleteBatch, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var total = 0;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        while (true)
        {
            var deleted = await deleteBatch(db, cutoff, options.BatchSize);
            total += deleted;
            if (deleted < options.BatchSize)
            {
                return total;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention removed {Keys} idempotency keys, {Sent} sent notifications, {Timers} ended timers, {Staged} stale upload files")]
    private static partial void LogPurged(ILogger logger, int keys, int sent, int timers, int staged);
}
