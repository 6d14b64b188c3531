namespace ServiceDelivery.Engine.Execution;

/// <summary>The order's invoice status as reported by the marketplace.</summary>
public enum InvoiceStatus
{
    /// <summary>No invoice requested.</summary>
    None,

    /// <summary>An invoice was requested and not yet issued.</summary>
    Requested,

    /// <summary>An invoice was issued to the buyer.</summary>
    Issued,

    /// <summary>The issued invoice was returned.</summary>
    Returned,
}

/// <summary>Wire names of <see cref="InvoiceStatus"/>.</summary>
public static class InvoiceStatuses
{
    /// <summary>The wire name.</summary>
    public static string ToKey(this InvoiceStatus status) => status switch
    {
        InvoiceStatus.None => "none",
        InvoiceStatus.Requested => "requested",
        InvoiceStatus.Issued => "issued",
        InvoiceStatus.Returned => "returned",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    /// <summary>Parses a wire name.</summary>
    public static bool TryParse(string? key, out InvoiceStatus status)
    {
        switch (key)
        {
            case "none": status = InvoiceStatus.None; return true;
            case "requested": status = InvoiceStatus.Requested; return true;
            case "issued": status = InvoiceStatus.Issued; return true;
            case "returned": status = InvoiceStatus.Returned; return true;
            default: status = default; return false;
        }
    }
}
