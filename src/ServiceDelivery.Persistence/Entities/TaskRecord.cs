namespace ServiceDelivery.Persistence.Entities;

/// <summary>A human task: a role is expected to act on a delivery in a stage. Open while <see cref="ClosedAt"/> is null.</summary>
public sealed class TaskRecord
{
    public Guid Id { get; set; }

    public Guid DeliveryId { get; set; }

    /// <summary>buyer | provider | platform.</summary>
    public required string Role { get; set; }

    /// <summary>The buyer id or provider id the task belongs to (null for platform tasks): the inbox key.</summary>
    public string? AssigneeId { get; set; }

    public required string Stage { get; set; }

    public DateTimeOffset OpenedAt { get; set; }

    public DateTimeOffset? ClosedAt { get; set; }
}
