namespace ServiceDelivery.Application.Outbox;

/// <summary>
/// The facts a notification needs, captured when the change commits (so a retry days later still says what was
/// true then). Serialized into the outbox row. Named members, not a positional list: two adjacent strings can then
/// never be swapped by accident.
/// </summary>
public sealed record NotificationPayload
{
    public required Guid DeliveryId { get; init; }

    public required string OrderId { get; init; }

    public required string ProductName { get; init; }

    public string? ProductSpec { get; init; }

    public required string BuyerName { get; init; }

    public required string ProviderName { get; init; }

    public required string DefinitionKey { get; init; }

    public required int DefinitionVersion { get; init; }

    public required string Stage { get; init; }

    public string? FromStage { get; init; }

    public string? Action { get; init; }

    public string? ActorName { get; init; }

    public string? ActorRole { get; init; }

    public required DateTimeOffset At { get; init; }

    public DateTimeOffset? AutoAcceptAt { get; init; }

    public required decimal PaidAmount { get; init; }

    public decimal? RefundAmount { get; init; }

    public required string Currency { get; init; }

    public int? LogSeq { get; init; }

    public required IReadOnlyDictionary<string, string> Data { get; init; }

    public Guid? TicketId { get; init; }

    public string? TicketSubject { get; init; }

    public string? TicketCategory { get; init; }

    public string? TicketOutcome { get; init; }
}
