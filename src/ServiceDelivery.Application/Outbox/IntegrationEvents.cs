namespace ServiceDelivery.Application.Outbox;

/// <summary>The integration events the marketplace's billing and invoicing receive.</summary>
public static class IntegrationEvents
{
    public const string DeliveryStarted = "delivery.started";
    public const string StageChanged = "delivery.stage_changed";
    public const string Completed = "delivery.completed";
    public const string RefundRequested = "delivery.refund_requested";
    public const string Refunded = "delivery.refunded";
    public const string TicketOpened = "ticket.opened";
    public const string TicketResolved = "ticket.resolved";

    /// <summary>A daily anchor of the process log was signed: receivers keep it, so history cannot be rewritten unseen.</summary>
    public const string LogAnchored = "log.anchored";
}

/// <summary>The JSON body of a webhook. Receivers deduplicate by <see cref="Id"/>. <see cref="Delivery"/> is null for an event about no one delivery (log.anchored).</summary>
public sealed record IntegrationEvent(Guid Id, string Type, DateTimeOffset OccurredAt, DeliverySnapshot? Delivery, IReadOnlyDictionary<string, object?> Data);

/// <summary>The delivery as it was right after the change the event reports.</summary>
public sealed record DeliverySnapshot(
    Guid Id,
    string OrderId,
    string ProductId,
    string ProductName,
    string BuyerId,
    string ProviderId,
    string Stage,
    string Status,
    decimal PaidAmount,
    decimal? RefundAmount,
    string Currency,
    string InvoiceStatus,
    string DefinitionKey,
    int DefinitionVersion,
    int Version);
