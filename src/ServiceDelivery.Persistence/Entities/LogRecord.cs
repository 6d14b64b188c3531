namespace ServiceDelivery.Persistence.Entities;

/// <summary>One step of the append-only process log (流程日志).</summary>
public sealed class LogRecord
{
    public long Id { get; set; }

    public Guid DeliveryId { get; set; }

    /// <summary>1, 2, 3… per delivery.</summary>
    public int Seq { get; set; }

    public DateTimeOffset At { get; set; }

    public required string ActorId { get; set; }

    public required string ActorName { get; set; }

    /// <summary>buyer | provider | platform | system | marketplace.</summary>
    public required string ActorRole { get; set; }

    public required string Action { get; set; }

    public string? FromStage { get; set; }

    public required string ToStage { get; set; }

    /// <summary>Texts everyone who sees the delivery reads.</summary>
    public Dictionary<string, string> Data { get; set; } = [];

    /// <summary>Platform-internal texts.</summary>
    public Dictionary<string, string> InternalData { get; set; } = [];

    public Guid[] AttachmentIds { get; set; } = [];

    /// <summary>The timer that performed the step, for system steps.</summary>
    public string? Timer { get; set; }

    /// <summary>Salt of the internal texts' hash (they enter the chain only as that hash; docs/evidence.md).</summary>
    public byte[]? InternalSalt { get; set; }

    /// <summary>Link of the delivery's hash chain: SHA-256(previous entry's hash ‖ this entry's canonical bytes).</summary>
    public byte[]? Hash { get; set; }
}
