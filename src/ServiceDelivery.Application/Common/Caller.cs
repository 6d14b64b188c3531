using ServiceDelivery.Engine.Definitions;

namespace ServiceDelivery.Application.Common;

/// <summary>Who calls, as the identity provider's token says (sub, name, email, roles, provider_id).</summary>
/// <param name="Id">Subject.</param>
/// <param name="Name">Display name.</param>
/// <param name="Email">E-mail, if any.</param>
/// <param name="Roles">Role claims.</param>
/// <param name="ProviderId">The provider organisation, for provider staff.</param>
public sealed record Caller(string Id, string Name, string? Email, IReadOnlySet<string> Roles, string? ProviderId = null)
{
    public const string Buyer = "buyer";
    public const string Provider = "provider";
    public const string Platform = "platform";
    public const string Designer = "designer";
    public const string Marketplace = "marketplace";

    public bool Is(string role) => Roles.Contains(role);

    /// <summary>The service itself, for timers and seeding.</summary>
    public static Caller System { get; } = new("system", "系统", null, new HashSet<string>());

    /// <summary>A caller with the given roles.</summary>
    public static Caller Of(string id, string name, params string[] roles) => new(id, name, null, new HashSet<string>(roles, StringComparer.Ordinal));

    /// <summary>Provider staff of <paramref name="providerId"/>.</summary>
    public static Caller ProviderStaff(string id, string name, string providerId) =>
        new(id, name, null, new HashSet<string>([Provider], StringComparer.Ordinal), providerId);

    internal Engine.Execution.Actor As(ActorRole role) => new(Id, Name, role);
}
