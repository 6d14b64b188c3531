using System.Security.Claims;

namespace ServiceDelivery.Host.Auth;

/// <summary>
/// What development surfaces (the dev token endpoint, the demo sign-in page, the banner's tokens) put into every
/// token and cookie they mint. A host outside Development refuses anything that carries it, so a development host
/// that shares a database or a signing key with production can never sign anybody in there.
/// </summary>
public static class DevelopmentMark
{
    public const string ClaimType = "sd_dev";

    public static Claim Claim => new(ClaimType, "1");

    public static bool IsOn(ClaimsPrincipal? principal) => principal?.HasClaim(c => c.Type == ClaimType) == true;
}
