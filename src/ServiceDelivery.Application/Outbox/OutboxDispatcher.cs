using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Application.Timers;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Persistence;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Application.Outbox;

/// <summary>
/// Sends what the outbox holds. A sender claims a batch of due rows in one statement (pending → sending, with a
/// lease, SKIP LOCKED), so concurrent senders on any host never take the same row; it sends them over a few
/// reused connections at once and records the outcomes only while it still holds the lease: sent (one statement
/// for the batch), retried later with backoff, or failed after the last attempt. A delivery's webhooks to one
/// endpoint go out one at a time, in order: the claim never takes one while an earlier one is unsent, and an
/// earlier one that failed holds the later ones back until an operator retries it.
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
    TimerBacklog timers,
    ILogger<OutboxDispatcher> logger)
{
    /// <summary>Rows claimed per statement.</summary>
    public const int DefaultBatchSize = 200;

    /// <summary>
    /// Sends due messages until none is due or <paramref name="limit"/> were handled, or after one batch while this
    /// host's timers are behind (<see cref="TimerBacklog"/>); returns how many were sent.
    /// </summary>
    public async Task<int> DispatchDueAsync(int limit, CancellationToken cancellationToken)
    {
        var sent = 0;
        var handled = 0;
        while (handled < limit && !cancellationToken.IsCancellationRequested)
        {
            var size = Math.Min(options.BatchSize, limit - handled);
            var batch = await ClaimAsync(size, cancellationToken);
            if (batch.Count == 0)
            {
                break;
            }

            handled += batch.Count;
            sent += await SendBatchAsync(batch, cancellationToken);
            if (timers.Behind)
            {
                break; // deadlines first
            }

            if (batch.Count < size && batch.TrueForAll(r => r.Kind != OutboxWriter.Webhook))
            {
                // Nothing more was due at the claim, and sending this batch unblocks nothing (a webhook sent lets the
                // delivery's next one go): the next commit's wake-up (or the poll) brings the sender back, rather
                // than another claim walking the queue for nothing.
                break;
            }
        }

        return sent;
    }

    private async Task<List<OutboxRecord>> ClaimAsync(int size, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        var lockedUntil = now + options.Lease;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.PlanForCurrentSizeAsync(cancellationToken);

        // The rows are chosen and locked once (a materialized CTE), then updated by id: an IN (subquery) form lets
        // the planner re-run the locking subquery for every outbox row it scans.
        var claimed = await db.Outbox.FromSql($"""
            WITH claimed AS MATERIALIZED (
                SELECT o.id FROM outbox o
                WHERE o.status IN ('pending', 'sending')
                  AND ((o.status = 'pending' AND o.next_attempt_at <= {now}) OR (o.status = 'sending' AND o.locked_until < {now}))
                  AND (o.kind <> 'webhook' OR NOT EXISTS (
                        SELECT 1 FROM outbox e
                        WHERE e.kind = 'webhook' AND e.delivery_id = o.delivery_id AND e.recipient_address = o.recipient_address
                          AND e.id < o.id AND e.status IN ('pending', 'sending', 'failed')))
                ORDER BY o.id
                LIMIT {size}
                FOR UPDATE SKIP LOCKED)
            UPDATE outbox SET status = 'sending', locked_until = {lockedUntil}, attempts = outbox.attempts + 1
            FROM claimed WHERE outbox.id = claimed.id
            RETURNING outbox.*
            """).AsNoTracking().ToListAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return claimed;
    }

    private async Task<int> SendBatchAsync(List<OutboxRecord> batch, CancellationToken cancellationToken)
    {
        var mails = await ReadMailsAsync(batch, cancellationToken);
        var outcomes = new Outcome[batch.Count];

        // A few lanes, each with its own connection (an SMTP session, the pooled HTTP client), share the batch.
        var next = -1;
        var lanes = Enumerable.Range(0, Math.Clamp(options.Parallelism, 1, batch.Count)).Select(async _ =>
        {
            await using var session = new Lane(mail, cancellationToken);
            int i;
            while ((i = Interlocked.Increment(ref next)) < batch.Count)
            {
                outcomes[i] = await SendOneAsync(batch[i], mails, session, cancellationToken);
            }
        });
        await Task.WhenAll(lanes);

        await FinishAsync(batch, outcomes);
        return outcomes.Count(o => o.Status == OutboxRecord.Statuses.Sent);
    }

    private async Task<Outcome> SendOneAsync(OutboxRecord row, Dictionary<long, (NotificationPayload? Payload, ProcessDefinition? Definition)> mails, Lane session, CancellationToken cancellationToken)
    {
        if (row.Attempts > options.MaxAttempts)
        {
            // Claimed again after its sender vanished mid-send, more often than it may be tried: stop here.
            return new Outcome(OutboxRecord.Statuses.Failed, row.NextAttemptAt, $"gave up after {row.Attempts - 1} attempts");
        }

        if (clock.Now() + options.SendTimeout >= row.LockedUntil)
        {
            // The lease would end mid-send and another sender could take the row: give it back untried.
            return Outcome.Released;
        }

        try
        {
            if (row.Kind == OutboxWriter.Webhook)
            {
                var eventId = OutboxWriter.Read<IntegrationEvent>(row)!.Id;
                await webhooks.SendAsync(new OutgoingWebhook(row.RecipientAddress!, row.Topic, eventId, row.Payload), cancellationToken);
            }
            else
            {
                var message = Compose(row, mails[row.Id]);
                await (await session.SessionAsync()).SendAsync(message, cancellationToken);
            }

            LogSent(logger, row.Id, row.Kind, row.Topic, row.Attempts);
            return new Outcome(OutboxRecord.Statuses.Sent, row.NextAttemptAt, null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A known transient failure waits and retries; anything else (a bad address, a broken template, a TLS
            // mismatch…) will not get better by itself and is failed at once, for an operator to see.
            var (permanent, reason) = ex is DeliveryFailedException known ? (known.Permanent, known.Message) : (true, $"{ex.GetType().Name}: {ex.Message}");
            var last = permanent || row.Attempts >= options.MaxAttempts;
            LogFailed(logger, row.Id, row.Kind, row.Topic, row.Attempts, last, reason);
            return new Outcome(last ? OutboxRecord.Statuses.Failed : OutboxRecord.Statuses.Pending, clock.Now() + options.Backoff(row.Attempts), Trim(reason));
        }
    }

    private OutgoingMail Compose(OutboxRecord row, (NotificationPayload? Payload, ProcessDefinition? Definition) mail)
    {
        var payload = mail.Payload ?? throw new DeliveryFailedException("the message has no payload", permanent: true);
        var definition = mail.Definition
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

        // The Message-Id is stable per row: a mail sent twice (a sender died between handing it over and recording it)
        // carries the same id both times, and mail systems drop the second.
        return new OutgoingMail($"outbox-{row.Id}-{row.CreatedAt.UtcTicks}", row.Topic, row.RecipientAddress ?? options.PlatformMailbox, row.RecipientName, content);
    }

    /// <summary>Each mail's payload, read once, and the definition it names (the catalog caches them).</summary>
    private async Task<Dictionary<long, (NotificationPayload? Payload, ProcessDefinition? Definition)>> ReadMailsAsync(List<OutboxRecord> batch, CancellationToken cancellationToken)
    {
        var mails = new Dictionary<long, (NotificationPayload?, ProcessDefinition?)>();
        var definitions = new Dictionary<(string, int), ProcessDefinition?>();
        ServiceDeliveryDbContext? db = null;
        try
        {
            foreach (var row in batch.Where(r => r.Kind == OutboxWriter.Email))
            {
                var payload = OutboxWriter.Read<NotificationPayload>(row);
                ProcessDefinition? definition = null;
                if (payload is not null && !definitions.TryGetValue((payload.DefinitionKey, payload.DefinitionVersion), out definition))
                {
                    db ??= await contexts.CreateDbContextAsync(cancellationToken);
                    definition = await catalog.GetAsync(db, payload.DefinitionKey, payload.DefinitionVersion, cancellationToken);
                    definitions[(payload.DefinitionKey, payload.DefinitionVersion)] = definition;
                }

                mails[row.Id] = (payload, definition);
            }
        }
        finally
        {
            if (db is not null)
            {
                await db.DisposeAsync();
            }
        }

        return mails;
    }

    /// <summary>Records the outcomes, only for rows this sender still holds (its lease is the rows').</summary>
    private async Task FinishAsync(List<OutboxRecord> batch, Outcome[] outcomes)
    {
        var now = clock.Now();
        var lease = batch[0].LockedUntil;
        await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        await db.PlanForCurrentSizeAsync(CancellationToken.None); // by id, however small the outbox was when first planned
        var sent = batch.Where((_, i) => outcomes[i].Status == OutboxRecord.Statuses.Sent).Select(r => r.Id).ToList();
        if (sent.Count > 0)
        {
            await Held(db, sent, lease).ExecuteUpdateAsync(set => set
                .SetProperty(o => o.Status, OutboxRecord.Statuses.Sent)
                .SetProperty(o => o.LastError, (string?)null)
                .SetProperty(o => o.LockedUntil, (DateTimeOffset?)null)
                .SetProperty(o => o.SentAt, now), CancellationToken.None);
        }

        var released = batch.Where((_, i) => ReferenceEquals(outcomes[i], Outcome.Released)).Select(r => r.Id).ToList();
        if (released.Count > 0)
        {
            await Held(db, released, lease).ExecuteUpdateAsync(set => set
                .SetProperty(o => o.Status, OutboxRecord.Statuses.Pending)
                .SetProperty(o => o.Attempts, o => o.Attempts - 1)
                .SetProperty(o => o.LockedUntil, (DateTimeOffset?)null), CancellationToken.None);
        }

        for (var i = 0; i < batch.Count; i++)
        {
            var outcome = outcomes[i];
            if (outcome.Status != OutboxRecord.Statuses.Sent && !ReferenceEquals(outcome, Outcome.Released))
            {
                await Held(db, [batch[i].Id], lease).ExecuteUpdateAsync(set => set
                    .SetProperty(o => o.Status, outcome.Status)
                    .SetProperty(o => o.NextAttemptAt, outcome.NextAttemptAt)
                    .SetProperty(o => o.LastError, outcome.Error)
                    .SetProperty(o => o.LockedUntil, (DateTimeOffset?)null), CancellationToken.None);
            }
        }

        await transaction.CommitAsync(CancellationToken.None);
    }

    private static IQueryable<OutboxRecord> Held(ServiceDeliveryDbContext db, List<long> ids, DateTimeOffset? lease) =>
        db.Outbox.Where(o => ids.Contains(o.Id) && o.Status == OutboxRecord.Statuses.Sending && o.LockedUntil == lease);

    private static string Trim(string message) => message.Length <= 2000 ? message : message[..2000];

    /// <summary>One lane of a batch: its mail session is opened on the first mail and closed when the lane ends.</summary>
    private sealed class Lane(IMailTransport mail, CancellationToken cancellationToken) : IAsyncDisposable
    {
        private IMailSession? _session;

        public async ValueTask<IMailSession> SessionAsync() => _session ??= await mail.OpenAsync(cancellationToken);

        public ValueTask DisposeAsync() => _session?.DisposeAsync() ?? ValueTask.CompletedTask;
    }

    private sealed record Outcome(string Status, DateTimeOffset NextAttemptAt, string? Error)
    {
        public static Outcome Released { get; } = new(OutboxRecord.Statuses.Pending, default, null);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Outbox {Id}: {Kind} {Topic} delivered (attempt {Attempt})")]
    private static partial void LogSent(ILogger logger, long id, string kind, string topic, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox {Id}: {Kind} {Topic} attempt {Attempt} failed (final: {Final}): {Reason}")]
    private static partial void LogFailed(ILogger logger, long id, string kind, string topic, int attempt, bool final, string reason);
}
