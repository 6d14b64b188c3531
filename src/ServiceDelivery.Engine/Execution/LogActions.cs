namespace ServiceDelivery.Engine.Execution;

/// <summary>
/// The service's own steps in a process log (besides the definition's actions): the one place their wire names are
/// spelled. Definitions may not use them as action keys.
/// </summary>
public static class LogActions
{
    /// <summary>The marketplace started the delivery.</summary>
    public const string Start = "start";

    /// <summary>The marketplace reported the order's invoice status.</summary>
    public const string SetInvoiceStatus = "set_invoice_status";

    /// <summary>Prefix of a platform intervention's step (admin_move, admin_close, admin_complete, admin_refund, admin_migrate).</summary>
    public const string InterventionPrefix = "admin_";

    /// <summary>A delivery moved to another version of its definition.</summary>
    public const string Migrate = InterventionPrefix + "migrate";

    /// <summary>True for a platform intervention's step.</summary>
    public static bool IsIntervention(string action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return action.StartsWith(InterventionPrefix, StringComparison.Ordinal);
    }

    /// <summary>True for a key the service uses for its own steps (a definition may not take it).</summary>
    public static bool IsReserved(string key) =>
        key is Start or SetInvoiceStatus or WorkflowEngine.ClockFrozen or WorkflowEngine.ClockResumed || IsIntervention(key);
}
