namespace ServiceDelivery.Web;

/// <summary>
/// How people sign in to the pages: the development page's demo identities (off outside Development) and/or the
/// organisation's identity provider (OpenID Connect).
/// </summary>
public sealed class DevSignInOptions
{
    public bool Enabled { get; init; }

    /// <summary>The identity provider is configured: the sign-in page offers it.</summary>
    public bool IdentityProvider { get; init; }

    public IReadOnlyList<SignInIdentity> Identities { get; init; } = [];
}

/// <summary>A person to sign in as: the same claims a token would carry.</summary>
public sealed record SignInIdentity(string Sub, string Name, string? Email, IReadOnlyList<string> Roles, string? ProviderId);
