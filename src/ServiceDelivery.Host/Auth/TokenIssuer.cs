using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ServiceDelivery.Host.Auth;

/// <summary>
/// Mints tokens the API accepts; only for development (dev tokens, printed demo tokens, tests). Every token carries
/// the <see cref="DevelopmentMark"/>, which hosts outside Development refuse. Token lifetimes follow real time, not
/// the development clock: the validator checks them against real time.
/// </summary>
public sealed class TokenIssuer(IOptions<AuthOptions> options)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    public string Issue(string subject, string name, string? email, IEnumerable<string> roles, string? providerId)
    {
        ArgumentNullException.ThrowIfNull(roles);
        var auth = options.Value;
        var claims = new List<Claim> { new("sub", subject), new("name", name), DevelopmentMark.Claim };
        if (!string.IsNullOrEmpty(email))
        {
            claims.Add(new Claim("email", email));
        }

        claims.AddRange(roles.Select(role => new Claim("role", role)));
        if (!string.IsNullOrEmpty(providerId))
        {
            claims.Add(new Claim("provider_id", providerId));
        }

        // Wall-clock time on purpose: token lifetimes are checked against real time, not the dev clock.
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = auth.Issuer,
            Audience = auth.Audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = now,
            NotBefore = now,
            Expires = now + Lifetime,
            SigningCredentials = new SigningCredentials(SigningKey(auth), SecurityAlgorithms.HmacSha256),
        });
    }

    public static SymmetricSecurityKey SigningKey(AuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new SymmetricSecurityKey(Encoding.UTF8.GetBytes(options.SigningKey));
    }
}
