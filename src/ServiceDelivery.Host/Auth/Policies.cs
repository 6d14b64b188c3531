using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Host.Endpoints;

namespace ServiceDelivery.Host.Auth;

/// <summary>
/// Who may call which group of endpoints, by role claim, set once per route group. Which delivery a caller may
/// see or act on is the application's access rule (a delivery one may not see is 404), not a policy here.
/// </summary>
public static class Policies
{
    public const string DeliveryReaders = nameof(DeliveryReaders);
    public const string DeliveryActors = nameof(DeliveryActors);
    public const string Marketplace = nameof(Marketplace);
    public const string Platform = nameof(Platform);
    public const string DefinitionReaders = nameof(DefinitionReaders);
    public const string Designers = nameof(Designers);
    public const string Auditors = nameof(Auditors);

    public static void Add(AuthorizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddPolicy(DeliveryReaders, p => p.RequireRole(Caller.Buyer, Caller.Provider, Caller.Platform, Caller.Marketplace));
        options.AddPolicy(DeliveryActors, p => p.RequireRole(Caller.Buyer, Caller.Provider, Caller.Platform));
        options.AddPolicy(Marketplace, p => p.RequireRole(Caller.Marketplace));
        options.AddPolicy(Platform, p => p.RequireRole(Caller.Platform));
        options.AddPolicy(DefinitionReaders, p => p.RequireRole(Caller.Designer, Caller.Platform));
        options.AddPolicy(Designers, p => p.RequireRole(Caller.Designer));
        options.AddPolicy(Auditors, p => p.RequireRole(Caller.Platform, Caller.Marketplace));
    }
}

/// <summary>Refusals of API calls by the authorization layer are problem details too: 401 without a valid token, 403 forbidden_action.</summary>
public sealed class ProblemAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(authorizeResult);
        if (!context.Request.Path.StartsWithSegments("/api"))
        {
            // Pages: the cookie scheme answers (sign-in redirect, the 403 page).
            await _default.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        if (authorizeResult.Challenged)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await Problems.From(context, new Failure("unauthorized")).ExecuteAsync(context);
            return;
        }

        if (authorizeResult.Forbidden)
        {
            await Problems.From(context, Failure.Forbidden).ExecuteAsync(context);
            return;
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
