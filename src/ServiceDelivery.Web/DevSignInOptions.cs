namespace ServiceDelivery.Web;

/// <summary>Who may be picked on the development sign-in page (the host supplies its demo users); off outside Development.</summary>
public sealed class DevSignInOptions
{
    public bool Enabled { get; init; }

    public IReadOnlyList<SignInIdentity> Identities { get; init; } = [];
}

/// <summary>A person to sign in as: the same claims a token would carry.</summary>
public sealed record SignInIdentity(string Sub, string Name, string? Email, IReadOnlyList<string> Roles, string? ProviderId);
