namespace ServiceDelivery.Persistence.Entities;

/// <summary>The first result of a request made with an Idempotency-Key, replayed for repeats.</summary>
public sealed class IdempotencyRecord
{
    /// <summary>Who and what the key is for (caller and target), so two callers' keys never collide.</summary>
    public required string Scope { get; set; }

    public required string Key { get; set; }

    /// <summary>SHA-256 of the request, to refuse a reused key with a different request.</summary>
    public required string RequestHash { get; set; }

    public Guid? DeliveryId { get; set; }

    /// <summary>The serialized first result.</summary>
    public required string Result { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
