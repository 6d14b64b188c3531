using System.ComponentModel.DataAnnotations;

namespace ServiceDelivery.Host.Auth;

/// <summary>Who issues the tokens we trust (section <c>Auth</c>); the key comes from the environment in production.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    [Required]
    public string Issuer { get; set; } = "servicedelivery";

    [Required]
    public string Audience { get; set; } = "servicedelivery-api";

    /// <summary>HMAC-SHA256 key, at least 32 bytes (Auth__SigningKey); optional when <see cref="Authority"/> is set.</summary>
    public string SigningKey { get; set; } = string.Empty;

    /// <summary>
    /// The identity provider (OpenID Connect issuer URL, Auth__Authority): its tokens, signed with the keys its
    /// metadata publishes (JWKS, RS256 or ES256), are accepted besides those signed with <see cref="SigningKey"/>.
    /// They must carry <see cref="Audience"/>, a <c>sub</c> and <c>role</c> claims.
    /// </summary>
    public string? Authority { get; set; }

    /// <summary>
    /// The pages' client at the identity provider (Auth__ClientId): with <see cref="Authority"/> set, people sign in to
    /// the pages there (OpenID Connect authorization code with PKCE) and get the pages' cookie; the ID token must carry
    /// <c>sub</c>, <c>name</c> and <c>role</c> claims (and <c>provider_id</c> for provider staff).
    /// </summary>
    public string? ClientId { get; set; }

    /// <summary>The pages' client secret, for a confidential client (Auth__ClientSecret); empty for a public one.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>Whether pages sign in at the identity provider.</summary>
    public bool PagesUseIdentityProvider => !string.IsNullOrWhiteSpace(Authority) && !string.IsNullOrWhiteSpace(ClientId);

    /// <summary>Refuse an authority reached over plain HTTP (only a test or a lab turns this off).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;
}
