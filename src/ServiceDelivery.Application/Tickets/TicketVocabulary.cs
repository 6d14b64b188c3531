namespace ServiceDelivery.Application.Tickets;

public static class TicketStatuses
{
    public const string Open = "open";
    public const string Resolved = "resolved";
}

public static class TicketCategories
{
    public const string RefundAfterConfirmation = "refund_after_confirmation";
    public const string AcceptanceDispute = "acceptance_dispute";
    public const string Other = "other";

    public static readonly IReadOnlySet<string> All = new HashSet<string>([RefundAfterConfirmation, AcceptanceDispute, Other], StringComparer.Ordinal);
}

public static class TicketOutcomes
{
    public const string NoChange = "no_change";
    public const string Refund = "refund";
    public const string ForceComplete = "force_complete";
    public const string CloseDelivery = "close_delivery";

    public static readonly IReadOnlySet<string> All = new HashSet<string>([NoChange, Refund, ForceComplete, CloseDelivery], StringComparer.Ordinal);
}
