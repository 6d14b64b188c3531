namespace ServiceDelivery.Persistence.Entities;

/// <summary>A ticket (工单): a party asks the platform to intervene on a delivery.</summary>
public sealed class TicketRecord
{
    public Guid Id { get; set; }

    public Guid DeliveryId { get; set; }

    /// <summary>refund_after_confirmation | acceptance_dispute | other.</summary>
    public required string Category { get; set; }

    public required string Subject { get; set; }

    public required string Description { get; set; }

    public Guid[] AttachmentIds { get; set; } = [];

    /// <summary>open | resolved.</summary>
    public required string Status { get; set; }

    public required string OpenedById { get; set; }

    public required string OpenedByName { get; set; }

    public required string OpenedByRole { get; set; }

    public DateTimeOffset OpenedAt { get; set; }

    /// <summary>no_change | refund | force_complete | close_delivery.</summary>
    public string? Outcome { get; set; }

    public decimal? RefundAmount { get; set; }

    public string? ResolutionNote { get; set; }

    public string? ResolvedById { get; set; }

    public string? ResolvedByName { get; set; }

    public DateTimeOffset? ResolvedAt { get; set; }

    public int Version { get; set; }

    public List<TicketMessageRecord> Messages { get; set; } = [];
}

/// <summary>A message in a ticket's thread.</summary>
public sealed class TicketMessageRecord
{
    public Guid Id { get; set; }

    public Guid TicketId { get; set; }

    public required string AuthorId { get; set; }

    public required string AuthorName { get; set; }

    public required string AuthorRole { get; set; }

    public required string Body { get; set; }

    public Guid[] AttachmentIds { get; set; } = [];

    public DateTimeOffset At { get; set; }
}
