namespace ServiceDelivery.Engine.Definitions;

/// <summary>The delivery's status while it is in a stage (API field <c>status</c>).</summary>
public enum StageStatus
{
    /// <summary>The parties act.</summary>
    Active,

    /// <summary>The flow is paused (e.g. refund review): parties cannot act, clocks of the stage we came from are frozen.</summary>
    Paused,

    /// <summary>Terminal: the service was delivered.</summary>
    Completed,

    /// <summary>Terminal: the paid amount (or a negotiated part) was refunded.</summary>
    Refunded,

    /// <summary>Terminal: closed by the platform.</summary>
    Closed,
}

/// <summary>Wire names of <see cref="StageStatus"/>.</summary>
public static class StageStatuses
{
    /// <summary>True for completed, refunded and closed.</summary>
    public static bool IsTerminal(this StageStatus status) => status >= StageStatus.Completed;

    /// <summary>Every status's wire name, in the enum's order (the pages' status lists).</summary>
    public static IReadOnlyList<string> Keys { get; } = [.. Enum.GetValues<StageStatus>().Select(s => s.ToKey())];

    /// <summary>The lower-case wire name.</summary>
    public static string ToKey(this StageStatus status) => status switch
    {
        StageStatus.Active => "active",
        StageStatus.Paused => "paused",
        StageStatus.Completed => "completed",
        StageStatus.Refunded => "refunded",
        StageStatus.Closed => "closed",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    /// <summary>Parses a wire name.</summary>
    public static bool TryParse(string? key, out StageStatus status)
    {
        switch (key)
        {
            case "active": status = StageStatus.Active; return true;
            case "paused": status = StageStatus.Paused; return true;
            case "completed": status = StageStatus.Completed; return true;
            case "refunded": status = StageStatus.Refunded; return true;
            case "closed": status = StageStatus.Closed; return true;
            default: status = default; return false;
        }
    }
}
