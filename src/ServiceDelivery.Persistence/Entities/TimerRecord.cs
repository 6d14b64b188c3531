namespace ServiceDelivery.Persistence.Entities;

/// <summary>
/// A durable timer; the table is the truth and jobs only poke it. Live while running or frozen; at most one live
/// timer per delivery and key.
/// </summary>
public sealed class TimerRecord
{
    public Guid Id { get; set; }

    public Guid DeliveryId { get; set; }

    public required string Key { get; set; }

    public required string Stage { get; set; }

    /// <summary>running | frozen | fired | cancelled.</summary>
    public required string State { get; set; }

    /// <summary>When it fires, while running.</summary>
    public DateTimeOffset? DueAt { get; set; }

    /// <summary>The time left, while frozen (kept to the microsecond).</summary>
    public TimeSpan? Remaining { get; set; }

    /// <summary>Freeze reasons (flags of the engine's FreezeReasons).</summary>
    public int FrozenBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    public static class States
    {
        public const string Running = "running";
        public const string Frozen = "frozen";
        public const string Fired = "fired";
        public const string Cancelled = "cancelled";
    }
}
