using System.Security.Claims;

namespace ServiceDelivery.Application.Common;

/// <summary>A signed-in person's claims (bearer token or page cookie) as the application's <see cref="Caller"/>.</summary>
public static class CallerClaims
{
    public static Caller ToCaller(this ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var roles = user.FindAll("role").Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        return new Caller(
            user.FindFirst("sub")?.Value ?? throw new InvalidOperationException("An authenticated caller without 'sub'."),
            user.FindFirst("name")?.Value ?? user.FindFirst("sub")!.Value,
            user.FindFirst("email")?.Value,
            roles,
            user.FindFirst("provider_id")?.Value);
    }
}
