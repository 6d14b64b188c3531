using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Persistence;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Application.Outbox;

/// <summary>
/// Sends what the outbox holds. Rows are claimed one at a time (pending → sending, with a lease, SKIP LOCKED), so
/// concurrent senders on any host never take the same row and a lease always covers a single send; each row is
/// then marked sent, retried later with backoff, or failed after the last attempt, and only by the sender that
/// still holds it. A delivery's webhooks to one endpoint go out one at a time, in order: an earlier one that
/// failed holds the later ones back until an operator retries it.
/// </summary>
public sealed partial class OutboxDispatcher(
    IDbContextFactory<ServiceDeliveryDbContext> contexts,
    DefinitionCatalog catalog,
    IMailComposer composer,
    IMailTransport mail,
    IWebhookTransport webhooks,
    NotificationOptions options,
    DeliveryOptions deliveryOptions,
    TimeProvider clock,
    ILogger<OutboxDispatcher> logger)
{
    /// <summary>How many messages one dispatch run sends at most before it yields to the next run.</summary>
    public const int DefaultBatchSize = 200;

    /// <summary>Sends due messages until none is due or <paramref name="limit"/> were handled; returns how many were sent.</summary>
    public async Task<int> DispatchDueAsync(int limit, CancellationToken cancellationToken)
    {
        var sent = 0;
        for (var handled = 0; handled < limit && !cancellationToken.IsCancellationRequested; handled++)
        {
            var row = await ClaimAsync(cancellationToken);
            if (row is null)
            {
                break;
            }

            sent += await SendAsync(row, cancellationToken) ? 1 : 0;
        }

        return sent;
    }

    private async Task<OutboxRecord?> ClaimAsync(CancellationToken cancellationToken)
    {
        var now = clock.Now();
        var lockedUntil = now + options.Lease;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var claimed = await db.Outbox.FromSql($"""
            UPDATE outbox SET status = 'sending', locked_until = {lockedUntil}, attempts = attempts + 1
            WHERE id = (
                SELECT o.id FROM outbox o
                WHERE ((o.status = 'pending' AND o.next_attempt_at <= {now}) OR (o.status = 'sending' AND o.locked_until < {now}))
                  AND (o.kind <> 'webhook' OR NOT EXISTS (
                        SELECT 1 FROM outbox e
                        WHERE e.kind = 'webhook' AND e.delivery_id = o.delivery_id AND e.recipient_address = o.recipient_address
                          AND e.id < o.id AND e.status IN ('pending', 'sending', 'failed')))
                ORDER BY o.id
                LIMIT 1
                FOR UPDATE SKIP LOCKED)
            RETURNING *
            """).AsNoTracking().ToListAsync(cancellationToken);
        return claimed.Count == 0 ? null : claimed[0];
    }

    private async Task<bool> SendAsync(OutboxRecord row, CancellationToken cancellationToken)
    {
        if (row.Attempts > options.MaxAttempts)
        {
            // Claimed again after its sender vanished mid-send, more often than it may be tried: stop here.
            await FinishAsync(row, OutboxRecord.Statuses.Failed, row.NextAttemptAt, $"gave up after {row.Attempts - 1} attempts", cancellationToken);
            return false;
        }

        try
        {
            if (row.Kind == OutboxWriter.Webhook)
            {
                var type = row.Topic;
                var eventId = OutboxWriter.Read<IntegrationEvent>(row)!.Id;
                await webhooks.SendAsync(new OutgoingWebhook(row.RecipientAddress!, type, eventId, row.Payload), cancellationToken);
            }
            else
            {
                await SendMailAsync(row, cancellationToken);
            }

            await FinishAsync(row, OutboxRecord.Statuses.Sent, row.NextAttemptAt, null, cancellationToken);
            LogSent(logger, row.Id, row.Kind, row.Topic, row.Attempts);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A known transient failure waits and retries; anything else (a bad address, a broken template, a TLS
            // mismatch…) will not get better by itself and is failed at once, for an operator to see.
            var (permanent, reason) = ex is DeliveryFailedException known ? (known.Permanent, known.Message) : (true, $"{ex.GetType().Name}: {ex.Message}");
            var last = permanent || row.Attempts >= options.MaxAttempts;
            var next = clock.Now() + options.Backoff(row.Attempts);
            await FinishAsync(row, last ? OutboxRecord.Statuses.Failed : OutboxRecord.Statuses.Pending, next, Trim(reason), cancellationToken);
            LogFailed(logger, row.Id, row.Kind, row.Topic, row.Attempts, last, reason);
            return false;
        }
    }

    private async Task SendMailAsync(OutboxRecord row, CancellationToken cancellationToken)
    {
        var payload = OutboxWriter.Read<NotificationPayload>(row)!;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var definition = await catalog.GetAsync(db, payload.DefinitionKey, payload.DefinitionVersion, cancellationToken)
            ?? throw new DeliveryFailedException($"definition {payload.DefinitionKey} v{payload.DefinitionVersion} is missing", permanent: true);
        var model = MailModel.Build(row, payload, definition, options, deliveryOptions.DefaultTimeZone);
        RenderedMail content;
        try
        {
            content = composer.Compose(row.Topic, row.Culture, model);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FileNotFoundException)
        {
            throw new DeliveryFailedException($"template {row.Topic} ({row.Culture}) cannot be rendered: {ex.Message}", permanent: true, ex);
        }

        var address = row.RecipientAddress ?? options.PlatformMailbox;
        await mail.SendAsync(new OutgoingMail($"outbox-{row.Id}-{row.CreatedAt.UtcTicks}", row.Topic, address, row.RecipientName, content), cancellationToken);
    }

    /// <summary>Records the outcome, only while this sender still holds the row (its lease is the row's).</summary>
    private async Task FinishAsync(OutboxRecord row, string status, DateTimeOffset nextAttemptAt, string? error, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
        await db.Outbox.Where(o => o.Id == row.Id && o.Status == OutboxRecord.Statuses.Sending && o.LockedUntil == row.LockedUntil).ExecuteUpdateAsync(set => set
            .SetProperty(o => o.Status, status)
            .SetProperty(o => o.NextAttemptAt, nextAttemptAt)
            .SetProperty(o => o.LastError, error)
            .SetProperty(o => o.LockedUntil, (DateTimeOffset?)null)
            .SetProperty(o => o.SentAt, status == OutboxRecord.Statuses.Sent ? now : null), CancellationToken.None);
    }

    private static string Trim(string message) => message.Length <= 2000 ? message : message[..2000];

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox {Id}: {Kind} {Topic} delivered (attempt {Attempt})")]
    private static partial void LogSent(ILogger logger, long id, string kind, string topic, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox {Id}: {Kind} {Topic} attempt {Attempt} failed (final: {Final}): {Reason}")]
    private static partial void LogFailed(ILogger logger, long id, string kind, string topic, int attempt, bool final, string reason);
}
