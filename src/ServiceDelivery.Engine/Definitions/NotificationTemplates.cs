using System.Collections.Frozen;

namespace ServiceDelivery.Engine.Definitions;

/// <summary>The notification templates the service ships; a definition may only name these.</summary>
public static class NotificationTemplates
{
    /// <summary>Every known template key.</summary>
    public static readonly FrozenSet<string> Known = new[]
    {
        "delivery_started",
        "requirement_submitted",
        "requirement_edited",
        "requirement_confirmed",
        "requirement_rejected",
        "progress_posted",
        "submitted_for_acceptance",
        "acceptance_reminder",
        "accepted",
        "auto_accepted",
        "delivery_rejected",
        "refund_requested",
        "refund_approved",
        "refund_rejected",
        "delivery_moved",
        "delivery_closed",
        "delivery_force_completed",
        "ticket_opened",
        "ticket_answered",
        "ticket_resolved",
    }.ToFrozenSet(StringComparer.Ordinal);
}
