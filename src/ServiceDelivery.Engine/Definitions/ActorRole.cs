namespace ServiceDelivery.Engine.Definitions;

/// <summary>Who performs a step. Buyer, provider and platform appear in definitions; system and marketplace are the service's own actors.</summary>
public enum ActorRole
{
    /// <summary>The buyer of the order (买家).</summary>
    Buyer,

    /// <summary>Staff of the provider organisation (服务商).</summary>
    Provider,

    /// <summary>Marketplace supervision staff (云市场服务监管).</summary>
    Platform,

    /// <summary>The service itself, e.g. when a timer fires.</summary>
    System,

    /// <summary>The marketplace order system that starts deliveries.</summary>
    Marketplace,
}

/// <summary>Wire names of <see cref="ActorRole"/>.</summary>
public static class ActorRoles
{
    /// <summary>The roles a definition may name for actions, assignees and notifications.</summary>
    public static readonly IReadOnlyList<ActorRole> Parties = [ActorRole.Buyer, ActorRole.Provider, ActorRole.Platform];

    /// <summary>The lower-case wire name.</summary>
    public static string ToKey(this ActorRole role) => role switch
    {
        ActorRole.Buyer => "buyer",
        ActorRole.Provider => "provider",
        ActorRole.Platform => "platform",
        ActorRole.System => "system",
        ActorRole.Marketplace => "marketplace",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    /// <summary>Parses a wire name; false for anything else.</summary>
    public static bool TryParse(string? key, out ActorRole role)
    {
        switch (key)
        {
            case "buyer": role = ActorRole.Buyer; return true;
            case "provider": role = ActorRole.Provider; return true;
            case "platform": role = ActorRole.Platform; return true;
            case "system": role = ActorRole.System; return true;
            case "marketplace": role = ActorRole.Marketplace; return true;
            default: role = default; return false;
        }
    }
}
