namespace ServiceDelivery.Application.Outbox;

/// <summary>
/// The facts a notification needs, captured when the change commits (so a retry days later still says what was
/// true then). Serialized into the outbox row.
/// </summary>
public sealed record NotificationPayload(
    Guid DeliveryId,
    string OrderId,
    string ProductName,
    string? ProductSpec,
    string BuyerName,
    string ProviderName,
    string DefinitionKey,
    int DefinitionVersion,
    string Stage,
    string? FromStage,
    string? Action,
    string? ActorName,
    string? ActorRole,
    DateTimeOffset At,
    DateTimeOffset? AutoAcceptAt,
    decimal PaidAmount,
    decimal? RefundAmount,
    string Currency,
    int? LogSeq,
    IReadOnlyDictionary<string, string> Data,
    Guid? TicketId = null,
    string? TicketSubject = null,
    string? TicketCategory = null,
    string? TicketOutcome = null);
