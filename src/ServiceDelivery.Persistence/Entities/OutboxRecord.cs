namespace ServiceDelivery.Persistence.Entities;

/// <summary>
/// A message to deliver after commit (an e-mail or a webhook), written in the same transaction as the change
/// it reports. Senders pick pending rows, deliver, and mark them sent or failed.
/// </summary>
public sealed class OutboxRecord
{
    public long Id { get; set; }

    /// <summary>email | webhook.</summary>
    public required string Kind { get; set; }

    public Guid? DeliveryId { get; set; }

    /// <summary>The template key (e-mail) or the event type (webhook).</summary>
    public required string Topic { get; set; }

    /// <summary>For e-mail: buyer | provider | platform.</summary>
    public string? RecipientRole { get; set; }

    /// <summary>For e-mail: the address; null for the platform's configured mailbox.</summary>
    public string? RecipientAddress { get; set; }

    public string? RecipientName { get; set; }

    public required string Culture { get; set; }

    /// <summary>IANA time zone in which the recipient reads times.</summary>
    public string? TimeZone { get; set; }

    /// <summary>JSON: the facts the message needs, captured at the moment of the change.</summary>
    public required string Payload { get; set; }

    /// <summary>pending | sending | sent | failed.</summary>
    public required string Status { get; set; }

    public int Attempts { get; set; }

    public DateTimeOffset NextAttemptAt { get; set; }

    /// <summary>While sending: until when the sender holds the row (a sender that died lets go when it passes).</summary>
    public DateTimeOffset? LockedUntil { get; set; }

    public string? LastError { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? SentAt { get; set; }

    public static class Statuses
    {
        public const string Pending = "pending";
        public const string Sending = "sending";
        public const string Sent = "sent";
        public const string Failed = "failed";
    }
}
