namespace ServiceDelivery.Engine.Definitions;

/// <summary>The fixed catalog of conditions an action can require; the engine implements each.</summary>
public enum Guard
{
    /// <summary>No invoice request is pending on the order (a refund cannot be requested until it is cancelled).</summary>
    InvoiceNotRequested,

    /// <summary>No invoice was requested or issued, or the issued one was returned (a refund cannot be approved otherwise).</summary>
    InvoiceNoneOrReturned,
}

/// <summary>Wire names of <see cref="Guard"/>.</summary>
public static class Guards
{
    /// <summary>The wire name.</summary>
    public static string ToKey(this Guard guard) => guard switch
    {
        Guard.InvoiceNotRequested => "invoice_not_requested",
        Guard.InvoiceNoneOrReturned => "invoice_none_or_returned",
        _ => throw new ArgumentOutOfRangeException(nameof(guard), guard, null),
    };

    /// <summary>Parses a wire name.</summary>
    public static bool TryParse(string? key, out Guard guard)
    {
        switch (key)
        {
            case "invoice_not_requested": guard = Guard.InvoiceNotRequested; return true;
            case "invoice_none_or_returned": guard = Guard.InvoiceNoneOrReturned; return true;
            default: guard = default; return false;
        }
    }
}
