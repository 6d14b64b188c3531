using Microsoft.AspNetCore.Http.HttpResults;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Timers;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Host.Auth;
using ServiceDelivery.Host.Hosting;

namespace ServiceDelivery.Host.Endpoints;

/// <summary>
/// Development helpers, mapped only when Dev:Enabled (tokens) and Dev:ClockControl (clock); absent, they are 404.
/// Minting a token needs no token: it is how a developer gets the first one.
/// </summary>
public static class DevEndpoints
{
    private static readonly HashSet<string> KnownRoles = [Caller.Buyer, Caller.Provider, Caller.Platform, Caller.Designer, Caller.Marketplace];

    public static IEndpointRouteBuilder MapDevEndpoints(this IEndpointRouteBuilder app, bool tokens, bool clock)
    {
        var dev = app.MapGroup("/api/v1/dev").WithTags("Development");
        if (tokens)
        {
            dev.MapPost("/tokens", IssueToken).AllowAnonymous().Accepts<TokenRequest>("application/json").WithName("IssueDevToken")
                .WithSummary("Mint a development token for any caller (development only, no token needed)")
                .WithDescription("Signed with Auth:SigningKey, so the host accepts it as it would a token of the marketplace's identity provider. roles: buyer, provider, platform, designer, marketplace; a provider needs providerId. Mapped only with Dev:Enabled.")
                .ProducesErrors(400, 413, 415);
        }

        if (clock)
        {
            // Moving time fires every due timer of every delivery: the platform's call, like any other intervention.
            dev.MapGet("/clock", GetClock).RequireAuthorization(Policies.Platform).WithName("GetDevClock")
                .WithSummary("The host's current time (development clock, platform)")
                .WithDescription("The time every deadline and timer is measured against; moved only by POST /api/v1/dev/clock/advance. Mapped only with Dev:ClockControl.")
                .ProducesErrors(401, 403);
            dev.MapPost("/clock/advance", AdvanceClock).RequireAuthorization(Policies.Platform).Accepts<AdvanceRequest>("application/json").WithName("AdvanceDevClock")
                .WithSummary("Move the development clock forward and fire every timer then due (platform)")
                .WithDescription("by: an ISO 8601 duration such as PT1H or P7D. Answers after every timer due at the new time has fired (auto-acceptance, reminders), with the new time. Mapped only with Dev:ClockControl.")
                .ProducesErrors(400, 401, 403, 413, 415);
        }

        return app;
    }

    public sealed record TokenRequest(string? Sub, string? Name, string? Email, string[]? Roles, string? ProviderId);

    public sealed record TokenResponse(string Token);

    public sealed record ClockResponse(DateTimeOffset Now);

    public sealed record AdvanceRequest(string? By);

    private static Results<Ok<TokenResponse>, ProblemHttpResult> IssueToken(JsonBody<TokenRequest> body, TokenIssuer issuer, HttpContext http)
    {
        if (body.Failure is { } invalid)
        {
            return Problems.From(http, invalid);
        }

        var request = body.Value!;
        var errors = new List<InputError>();
        if (string.IsNullOrWhiteSpace(request.Sub))
        {
            errors.Add(new InputError("sub", "required"));
        }

        if (request.Roles is not { Length: > 0 })
        {
            errors.Add(new InputError("roles", "required"));
        }
        else if (request.Roles.Any(r => !KnownRoles.Contains(r)))
        {
            errors.Add(new InputError("roles", "not_allowed_value"));
        }
        else if (request.Roles.Contains(Caller.Provider) && string.IsNullOrWhiteSpace(request.ProviderId))
        {
            errors.Add(new InputError("providerId", "required"));
        }

        if (errors.Count > 0)
        {
            return Problems.From(http, Failure.Invalid([.. errors]));
        }

        var token = issuer.Issue(request.Sub!, request.Name ?? request.Sub!, request.Email, request.Roles!, request.ProviderId);
        return TypedResults.Ok(new TokenResponse(token));
    }

    private static Ok<ClockResponse> GetClock(TimeProvider clock) => TypedResults.Ok(new ClockResponse(clock.GetUtcNow()));

    private static async Task<Results<Ok<ClockResponse>, ProblemHttpResult>> AdvanceClock(JsonBody<AdvanceRequest> body, AdjustableClock clock, SharedDevClock shared, TimerFirer firer, HttpContext http, CancellationToken cancellationToken)
    {
        if (body.Failure is { } invalid)
        {
            return Problems.From(http, invalid);
        }

        var request = body.Value!;
        if (!IsoDuration.TryParse(request.By, out var by, out _) || by <= TimeSpan.Zero)
        {
            return Problems.From(http, Failure.Invalid(new InputError("by", request.By is null ? "required" : "invalid")));
        }

        await shared.AdvanceAsync(by, cancellationToken);

        // The contract: the call returns only after every timer due at the new time has fired. Firers on other hosts
        // (and this host's loop) take part and hold their batches for a moment; wait while anyone makes progress, and
        // give up only when nothing moved for half a minute (a delivery held by a stuck command).
        var stalledSince = DateTime.UtcNow;
        var lastDue = -1;
        while (true)
        {
            if (await firer.FireDueAsync(int.MaxValue, cancellationToken) > 0)
            {
                stalledSince = DateTime.UtcNow;
                continue;
            }

            var due = await firer.CountDueAsync(cancellationToken);
            if (due == 0)
            {
                break;
            }

            if (due != lastDue)
            {
                (lastDue, stalledSince) = (due, DateTime.UtcNow);
            }
            else if (DateTime.UtcNow - stalledSince > TimeSpan.FromSeconds(30))
            {
                break;
            }

            await Task.Delay(20, cancellationToken);
        }

        return TypedResults.Ok(new ClockResponse(clock.GetUtcNow()));
    }
}
