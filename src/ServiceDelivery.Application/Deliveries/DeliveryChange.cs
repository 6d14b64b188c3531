using System.Security.Cryptography;
using System.Text;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Outbox;
using ServiceDelivery.Engine.Execution;
using ServiceDelivery.Persistence;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Application.Deliveries;

/// <summary>An Idempotency-Key and the request it was sent with.</summary>
/// <param name="Scope">Who and what the key is for (caller and target).</param>
/// <param name="Key">The client's key.</param>
/// <param name="RequestHash">SHA-256 of the request.</param>
public sealed record Idempotency(string Scope, string Key, string RequestHash)
{
    /// <summary>
    /// A key of <paramref name="caller"/> for <paramref name="kind"/> on <paramref name="deliveryId"/>. Scoped to the caller's
    /// identity and party (roles, provider organisation), so one caller's keys never answer another's requests,
    /// nor the same person's after they changed organisation.
    /// </summary>
    public static Idempotency For(string kind, Caller caller, Guid deliveryId, string key, string requestHash)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return new($"{kind}:{caller.Id}|{string.Join(',', caller.Roles.Order(StringComparer.Ordinal))}|{caller.ProviderId}|{deliveryId:N}", key, requestHash);
    }

    /// <summary>SHA-256 (hex) of the given parts, separated so that ("ab","c") and ("a","bc") differ.</summary>
    public static string Hash(params string?[] parts) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u001f', parts.Select(p => p ?? "\u0000")))));
}

/// <summary>What a caller asks of a write besides the change itself: If-Match and Idempotency-Key.</summary>
public sealed record WriteConditions(int? ExpectedVersion = null, Idempotency? Idempotency = null)
{
    public static WriteConditions None { get; } = new();
}

/// <summary>
/// One delivery inside a <see cref="DeliveryWriter"/> transaction: its row is locked and loaded with everything the
/// engine needs. A change decides through the engine and adds rows to <see cref="Db"/>; the writer commits them.
/// </summary>
internal sealed class DeliveryChange(ServiceDeliveryDbContext db, DeliveryAggregate delivery, DateTimeOffset now, OutboxWriter outbox)
{
    public ServiceDeliveryDbContext Db { get; } = db;

    public DeliveryAggregate Delivery { get; } = delivery;

    public DeliveryRecord Record => Delivery.Record;

    /// <summary>The one time of this write: every row it writes carries it.</summary>
    public DateTimeOffset Now { get; } = now;

    /// <summary>Asks the engine; on a decision writes it with its notifications and integration events, else returns why not.</summary>
    public Failure? Decide(Command command, Func<NotificationPayload, NotificationPayload>? enrich = null)
    {
        var state = command is StartDelivery ? null : Delivery.ToState();
        var outcome = WorkflowEngine.Decide(Delivery.Definition, state, command, Now);
        if (outcome is Rejection rejection)
        {
            return Failure.From(rejection);
        }

        Apply((Decision)outcome, enrich);
        return null;
    }

    /// <summary>Writes a decision made elsewhere (a migration decides against two definitions).</summary>
    public void Apply(Decision decision, Func<NotificationPayload, NotificationPayload>? enrich = null)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var seq = Delivery.Apply(Db, decision, Now);
        if (!decision.Notifications.IsEmpty)
        {
            var payload = Payload(decision.FromStage, decision.Log, seq);
            outbox.Notify(Db, Record, decision.Notifications, enrich is null ? payload : enrich(payload), Now);
        }

        outbox.PublishDecision(Db, Record, Delivery.Definition, decision, Now);
    }

    /// <summary>
    /// A change outside the process (a ticket message, the invoice status): the version still moves, so the write
    /// serializes with every other one and a stale If-Match sees it.
    /// </summary>
    public void Touch()
    {
        Record.Version++;
        Record.UpdatedAt = Now;
    }

    /// <summary>The facts a notification about this delivery carries, as of now.</summary>
    public NotificationPayload Payload(string? fromStage, LogEntry? log, int? seq)
    {
        var d = Record;
        return new NotificationPayload
        {
            DeliveryId = d.Id,
            OrderId = d.OrderId,
            ProductName = d.ProductName,
            ProductSpec = d.ProductSpec,
            BuyerName = d.BuyerName,
            ProviderName = d.ProviderName,
            DefinitionKey = d.DefinitionKey,
            DefinitionVersion = d.DefinitionVersion,
            Stage = d.Stage,
            FromStage = fromStage,
            Action = log?.Action,
            ActorName = log?.Actor.Name,
            ActorRole = log is null ? null : Engine.Definitions.ActorRoles.ToKey(log.Actor.Role),
            At = Now,
            AutoAcceptAt = Delivery.ActionTimerDue(),
            PaidAmount = d.PaidAmount,
            RefundAmount = d.RefundAmount,
            Currency = d.Currency,
            LogSeq = seq,
            Data = log?.Data ?? new Dictionary<string, string>(),
        };
    }

    /// <summary>Writes an outbox message of this change (ticket mails and events).</summary>
    public OutboxWriter Outbox => outbox;
}
