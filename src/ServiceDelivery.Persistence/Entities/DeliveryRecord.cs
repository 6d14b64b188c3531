namespace ServiceDelivery.Persistence.Entities;

/// <summary>One delivery: the order snapshot, where it stands in its process, and its concurrency version.</summary>
public sealed class DeliveryRecord
{
    /// <summary>The shadow property of the UTC day of the last write (computed by the database; indexed for "stuck").</summary>
    public const string UpdatedOn = nameof(UpdatedOn);

    public Guid Id { get; set; }

    public required string OrderId { get; set; }

    /// <summary>SHA-256 of the order content, to tell a repeated start from a conflicting one.</summary>
    public required string OrderFingerprint { get; set; }

    public required string ProductId { get; set; }

    public required string ProductName { get; set; }

    public string? ProductSpec { get; set; }

    public required string BuyerId { get; set; }

    public required string BuyerName { get; set; }

    public required string BuyerEmail { get; set; }

    /// <summary>The buyer's language for notifications (zh-CN or en).</summary>
    public required string BuyerLocale { get; set; }

    /// <summary>IANA time zone for deadlines in the buyer's notifications.</summary>
    public required string BuyerTimeZone { get; set; }

    public required string ProviderId { get; set; }

    public required string ProviderName { get; set; }

    public required string ProviderEmail { get; set; }

    public required string ProviderLocale { get; set; }

    public required string ProviderTimeZone { get; set; }

    public decimal PaidAmount { get; set; }

    public decimal CouponAmount { get; set; }

    public required string Currency { get; set; }

    public DateTimeOffset PaidAt { get; set; }

    /// <summary>none | requested | issued | returned.</summary>
    public required string InvoiceStatus { get; set; }

    public required string DefinitionKey { get; set; }

    public int DefinitionVersion { get; set; }

    public required string Stage { get; set; }

    public DateTimeOffset StageEnteredAt { get; set; }

    /// <summary>While paused: the stage to return to.</summary>
    public string? ReturnStage { get; set; }

    /// <summary>active | paused | completed | refunded | closed (derived from the stage, kept for queries).</summary>
    public required string Status { get; set; }

    /// <summary>Set when refunded.</summary>
    public decimal? RefundAmount { get; set; }

    /// <summary>Optimistic concurrency: every write checks and increments it.</summary>
    public int Version { get; set; }

    /// <summary>Sequence number of the newest process-log entry.</summary>
    public int LastLogSeq { get; set; }

    /// <summary>Hash of the newest process-log entry: the head of the chain (null only before the chain was built).</summary>
    public byte[]? LogHead { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
