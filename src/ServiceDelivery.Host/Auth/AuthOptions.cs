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

    /// <summary>HMAC-SHA256 key, at least 32 bytes (Auth__SigningKey).</summary>
    [Required]
    [MinLength(32)]
    public string SigningKey { get; set; } = string.Empty;
}
