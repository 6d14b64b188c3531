using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;

namespace ServiceDelivery.Host.Auth;

/// <summary>
/// An open page (a Blazor circuit) keeps the person it was opened by; this re-checks every
/// <see cref="PageSessionOptions.RevalidationInterval"/> that their session still exists, and signs the page out when
/// it was ended (sign-out in another tab, an operator's revocation, expiry) — the page then shows the sign-in prompt
/// instead of acting for someone who is gone.
/// </summary>
public sealed class SessionRevalidation(ILoggerFactory loggers, PageSessionStore sessions, TimeProvider clock, PageSessionOptions options)
    : RevalidatingServerAuthenticationStateProvider(loggers)
{
    protected override TimeSpan RevalidationInterval => options.RevalidationInterval;

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(authenticationState);
        var user = authenticationState.User;
        return user.Identity?.IsAuthenticated != true
            || await sessions.IsLiveAsync(user.FindFirst(PageSessionStore.SessionClaim)?.Value, clock.GetUtcNow(), cancellationToken);
    }
}

/// <summary>Page sessions (section <c>Sessions</c>).</summary>
public sealed class PageSessionOptions
{
    public const string SectionName = "Sessions";

    /// <summary>How long a cookie stays valid without use (sliding).</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>How often an open page checks that its session was not ended.</summary>
    public TimeSpan RevalidationInterval { get; set; } = TimeSpan.FromSeconds(30);
}
