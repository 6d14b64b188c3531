using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Persistence;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Application.Outbox;

/// <summary>
/// Sends what the outbox holds. A batch of due rows is claimed in one statement (pending → sending, with a lease,
/// SKIP LOCKED), so concurrent senders on any host never take the same row; each row is then sent and marked
/// sent, retried later with backoff, or failed after the last attempt. A delivery's webhooks to one endpoint go
/// out one at a time, in order.
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
    public const int DefaultBatchSize = 50;

    /// <summary>Sends due messages until none is due; returns how many were sent.</summary>
    public async Task<int> DispatchDueAsync(int batchSize, CancellationToken cancellationToken)
    {
        var sent = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var claimed = await ClaimAsync(batchSize, cancellationToken);
            if (claimed.Count == 0)
            {
                break;
            }

            foreach (var row in claimed)
            {
                sent += await SendAsync(row, cancellationToken) ? 1 : 0;
            }
        }

        return sent;
    }

    private async Task<List<OutboxRecord>> ClaimAsync(int batchSize, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        var lockedUntil = now + options.Lease;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Outbox.FromSql($"""
            UPDATE outbox SET status = 'sending', locked_until = {lockedUntil}, attempts = attempts + 1
            WHERE id IN (
                SELECT o.id FROM outbox o
                WHERE ((o.status = 'pending' AND o.next_attempt_at <= {now}) OR (o.status = 'sending' AND o.locked_until < {now}))
                  AND (o.kind <> 'webhook' OR NOT EXISTS (
                        SELECT 1 FROM outbox e
                        WHERE e.kind = 'webhook' AND e.delivery_id = o.delivery_id AND e.recipient_address = o.recipient_address
                          AND e.id < o.id AND e.status IN ('pending', 'sending')))
                ORDER BY o.id
                LIMIT {batchSize}
                FOR UPDATE SKIP LOCKED)
            RETURNING *
            """).AsNoTracking().ToListAsync(cancellationToken);
    }

    private async Task<bool> SendAsync(OutboxRecord row, CancellationToken cancellationToken)
    {
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

            await UpdateAsync(row.Id, OutboxRecord.Statuses.Sent, row.NextAttemptAt, null, cancellationToken);
            LogSent(logger, row.Id, row.Kind, row.Topic, row.Attempts);
            return true;
        }
        catch (DeliveryFailedException ex)
        {
            var last = ex.Permanent || row.Attempts >= options.MaxAttempts;
            var next = clock.Now() + options.Backoff(row.Attempts);
            await UpdateAsync(row.Id, last ? OutboxRecord.Statuses.Failed : OutboxRecord.Statuses.Pending, next, Trim(ex.Message), cancellationToken);
            LogFailed(logger, row.Id, row.Kind, row.Topic, row.Attempts, last, ex.Message);
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

    private async Task UpdateAsync(long id, string status, DateTimeOffset nextAttemptAt, string? error, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.Outbox.Where(o => o.Id == id).ExecuteUpdateAsync(set => set
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
