using Microsoft.AspNetCore.Http.HttpResults;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Application.Notifications;
using ServiceDelivery.Application.Operations;
using ServiceDelivery.Host.Auth;

namespace ServiceDelivery.Host.Endpoints;

/// <summary>The platform's interventions (move, close, complete, refund, migrate, each logged with its reason) and the notification queue.</summary>
public static class OperationEndpoints
{
    public static IEndpointRouteBuilder MapOperationEndpoints(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/v1/deliveries/{id:guid}/admin").WithTags("Operations").RequireAuthorization(Policies.Platform);
        admin.MapPost("/move", Move).WithName("MoveDelivery")
            .WithSummary("Move a delivery to another stage (platform); reason required, logged")
            .WithDescription("toStage: any stage of the delivery's definition; reason is required and written to the process log for every party, internalNote is for the platform only. Open tasks of the old stage are cancelled and the new stage's tasks and timers start. Optional If-Match: \"<version>\".")
            .Accepts<MoveBody>("application/json").ProducesErrors(400, 401, 403, 404, 409, 415);
        admin.MapPost("/close", Close).WithName("CloseDelivery")
            .WithSummary("Close a delivery (platform); reason required, logged")
            .WithDescription("Ends the delivery without completing or refunding it (status closed); its tasks and timers are cancelled. reason is required and logged for every party; internalNote is for the platform only. Optional If-Match: \"<version>\".")
            .Accepts<CloseBody>("application/json").ProducesErrors(400, 401, 403, 404, 409, 415);
        admin.MapPost("/complete", Complete).WithName("CompleteDelivery")
            .WithSummary("Complete a delivery (platform), as after a dispute settled for the provider; reason required, logged")
            .WithDescription("Completes the delivery as if the buyer had accepted (delivery.completed with completion force_completed). reason is required and logged for every party; internalNote is for the platform only. Optional If-Match: \"<version>\".")
            .Accepts<CloseBody>("application/json").ProducesErrors(400, 401, 403, 404, 409, 415);
        admin.MapPost("/refund", Refund).WithName("RefundDelivery")
            .WithSummary("Refund an amount up to the paid amount and end the delivery (platform); reason required, logged")
            .WithDescription("amount defaults to the paid amount and carries at most the currency's minor units. Refused with 409 invoice_blocks_refund while an invoice is requested or issued and not returned.")
            .Accepts<RefundBody>("application/json").ProducesErrors(400, 401, 403, 404, 409, 415);
        admin.MapPost("/preview", Preview).WithName("PreviewIntervention")
            .WithSummary("What an intervention would do, decided by the engine without writing anything (platform)")
            .WithDescription("Body: kind (move, close, complete, refund), toStage, amount. Answers the stage and status after it, tasks closed and opened, timer changes, notifications and the delivery's version: apply with If-Match on that version to get exactly this, or 409 version_conflict.")
            .Accepts<PreviewBody>("application/json").ProducesErrors(400, 401, 403, 404, 409, 415);
        admin.MapPost("/migrate", Migrate).WithName("MigrateDelivery")
            .WithSummary("Run a delivery on another published version of its definition (platform); logged")
            .WithDescription("Keeps the stage; tasks follow the new version; running clocks it keeps continue, clocks it removed are cancelled.")
            .Accepts<MigrateBody>("application/json").ProducesErrors(400, 401, 403, 404, 409, 415);

        var notifications = app.MapGroup("/api/v1/notifications").WithTags("Operations").RequireAuthorization(Policies.Platform);
        notifications.MapGet("/", List).WithName("ListNotifications")
            .WithSummary("Outgoing notifications, newest first; status=pending|sent|failed; keyset pagination (cursor, limit 1–200)")
            .WithDescription("Mails and webhooks of every delivery (and the anchors' webhooks), newest first, with status, attempts, the next attempt and the last error. Pass nextCursor back as cursor.")
            .ProducesErrors(400, 401, 403);
        notifications.MapPost("/{id:long}/retry", Retry).WithName("RetryNotification")
            .WithSummary("Send a failed notification again")
            .WithDescription("Puts a failed mail or webhook back to pending for the sender loop to send now; a notification that is not failed is 409 invalid_transition. A webhook held back behind it is released once it is delivered.").ProducesErrors(401, 403, 404, 409);
        notifications.MapPost("/retry", RetryMany).WithName("RetryNotifications")
            .WithSummary("Send the failed ones among up to 200 notifications again; answers how many were queued")
            .WithDescription("Body: ids (at most 200). The failed ones among them go back to pending; the answer says how many were queued. Ids that do not exist or are not failed are skipped.")
            .Accepts<RetryBody>("application/json").ProducesErrors(400, 401, 403, 415);
        app.MapGet("/api/v1/deliveries/{id:guid}/notifications", DeliveryNotifications).WithTags("Operations").RequireAuthorization(Policies.Platform)
            .WithName("GetDeliveryNotifications")
            .WithSummary("The delivery's mails and webhooks with status, attempts and last error, newest first (platform)")
            .WithDescription("Every mail (one per recipient) and webhook the delivery caused: kind, template or event type, recipient, status (pending, sending, sent, failed), attempts, the next attempt and the last error. A failed one is sent again by POST /api/v1/notifications/{id}/retry.")
            .ProducesErrors(401, 403, 404);

        var operations = app.MapGroup("/api/v1/operations").WithTags("Operations").RequireAuthorization(Policies.Platform);
        operations.MapGet("/overview", Overview).WithName("GetOperationsOverview")
            .WithSummary("Counts per stage, due soon, refund reviews, open tickets, stuck deliveries, failed notifications, timer lag, job servers, per-day and per-stage figures (platform)")
            .WithDescription("stuckDays (1–3650, default 3): active deliveries with nothing written for that long. Counts that could be large are capped at 10,001.")
            .ProducesErrors(400, 401, 403);
        operations.MapGet("/providers", Providers).WithName("GetProviderAnalytics")
            .WithSummary("Service levels per provider over the deliveries started in [from, to) (platform)")
            .WithDescription("from and to are ISO 8601 instants, at most 366 days apart. Rates are null when nothing was decided.")
            .ProducesErrors(400, 401, 403);
        operations.MapGet("/sessions", Sessions).WithName("ListPageSessions")
            .WithSummary("People signed in to the web pages, newest first (platform); subject= narrows to one person")
            .WithDescription("The web pages' sign-in sessions (who, roles, signed in, last seen, expiry), newest first; subject narrows to one person. API tokens are not sessions and are not listed.")
            .ProducesErrors(400, 401, 403);
        operations.MapPost("/sessions/revoke", RevokeSessions).WithName("RevokePageSessions")
            .WithSummary("End every page session of a person (platform): their cookies stop working at once, open pages sign out at their next check")
            .WithDescription("Body: subject (the person's sub). Every page session of that person ends: their cookies are refused at once and open pages sign out at their next check. Answers how many sessions were ended.")
            .Accepts<RevokeBody>("application/json").ProducesErrors(400, 401, 403, 415);
        return app;
    }

    public sealed record RevokeBody(string? Subject);

    public sealed record RevokeResult(int Revoked);

    public sealed record MoveBody(string? ToStage, string? Reason, string? InternalNote);

    public sealed record CloseBody(string? Reason, string? InternalNote);

    public sealed record RefundBody(decimal? Amount, string? Reason, string? InternalNote);

    public sealed record MigrateBody(int? ToVersion, string? Reason);

    public sealed record PreviewBody(string? Kind, string? ToStage, decimal? Amount, string? Reason, string? InternalNote);

    public sealed record RetryBody(IReadOnlyList<long>? Ids);

    public sealed record RetryResult(int Retried);

    public sealed record NotificationList(IReadOnlyList<NotificationView> Items, string? NextCursor);

    private static Task<Results<Ok<DeliveryResource>, ProblemHttpResult>> Move(Guid id, JsonBody<MoveBody> body, DeliveryCommands commands, DeliveryPresenter presenter, HttpContext http, CancellationToken cancellationToken) =>
        InterveneAsync(http, body.Failure, version => new InterveneRequest(id, "move", body.Value!.ToStage, body.Value.Reason, body.Value.InternalNote, null, version), commands, presenter, cancellationToken);

    private static Task<Results<Ok<DeliveryResource>, ProblemHttpResult>> Close(Guid id, JsonBody<CloseBody> body, DeliveryCommands commands, DeliveryPresenter presenter, HttpContext http, CancellationToken cancellationToken) =>
        InterveneAsync(http, body.Failure, version => new InterveneRequest(id, "close", null, body.Value!.Reason, body.Value.InternalNote, null, version), commands, presenter, cancellationToken);

    private static Task<Results<Ok<DeliveryResource>, ProblemHttpResult>> Complete(Guid id, JsonBody<CloseBody> body, DeliveryCommands commands, DeliveryPresenter presenter, HttpContext http, CancellationToken cancellationToken) =>
        InterveneAsync(http, body.Failure, version => new InterveneRequest(id, "complete", null, body.Value!.Reason, body.Value.InternalNote, null, version), commands, presenter, cancellationToken);

    private static Task<Results<Ok<DeliveryResource>, ProblemHttpResult>> Refund(Guid id, JsonBody<RefundBody> body, DeliveryCommands commands, DeliveryPresenter presenter, HttpContext http, CancellationToken cancellationToken) =>
        InterveneAsync(http, body.Failure, version => new InterveneRequest(id, "refund", null, body.Value!.Reason, body.Value.InternalNote, body.Value.Amount, version), commands, presenter, cancellationToken);

    /// <summary>Every intervention: a well-formed body and If-Match first, then the command, answered like any delivery change.</summary>
    private static async Task<Results<Ok<DeliveryResource>, ProblemHttpResult>> InterveneAsync(
        HttpContext http, Failure? bodyFailure, Func<int?, InterveneRequest> request, DeliveryCommands commands, DeliveryPresenter presenter, CancellationToken cancellationToken)
    {
        if (Invalid(http, bodyFailure, out var version) is { } problem)
        {
            return problem;
        }

        var result = await commands.InterveneAsync(http.User.ToCaller(), request(version), cancellationToken);
        return await DeliveryEndpoints.Respond(http, presenter, result, cancellationToken);
    }

    private static async Task<Results<Ok<DeliveryResource>, ProblemHttpResult>> Migrate(Guid id, JsonBody<MigrateBody> body, DeliveryCommands commands, DeliveryPresenter presenter, HttpContext http, CancellationToken cancellationToken)
    {
        if (Invalid(http, body.Failure, out var version) is { } problem)
        {
            return problem;
        }

        if (body.Value!.ToVersion is not { } toVersion)
        {
            return Problems.From(http, Failure.Invalid(new InputError("toVersion", "required")));
        }

        var result = await commands.MigrateAsync(http.User.ToCaller(), id, toVersion, body.Value.Reason, version, cancellationToken);
        return await DeliveryEndpoints.Respond(http, presenter, result, cancellationToken);
    }

    private static async Task<Results<Ok<NotificationList>, ProblemHttpResult>> List(string? status, string? cursor, int? limit, NotificationAdmin admin, HttpContext http, CancellationToken cancellationToken)
    {
        var result = await admin.ListAsync(http.User.ToCaller(), status, cursor, limit, cancellationToken);
        return result.Failure is { } failure ? Problems.From(http, failure) : TypedResults.Ok(new NotificationList(result.Value!.Items, result.Value.NextCursor));
    }

    private static async Task<Results<Ok<NotificationView>, ProblemHttpResult>> Retry(long id, NotificationAdmin admin, HttpContext http, CancellationToken cancellationToken)
    {
        var result = await admin.RetryAsync(http.User.ToCaller(), id, cancellationToken);
        return result.Failure is { } failure ? Problems.From(http, failure) : TypedResults.Ok(result.Value!);
    }

    private static async Task<Results<Ok<InterventionPreview>, ProblemHttpResult>> Preview(Guid id, JsonBody<PreviewBody> body, DeliveryCommands commands, HttpContext http, CancellationToken cancellationToken)
    {
        if (body.Failure is { } invalid)
        {
            return Problems.From(http, invalid);
        }

        var b = body.Value!;
        return Problems.OkOr(http, await commands.PreviewInterventionAsync(http.User.ToCaller(), new InterveneRequest(id, b.Kind ?? string.Empty, b.ToStage, b.Reason, b.InternalNote, b.Amount), cancellationToken));
    }

    private static async Task<Results<Ok<RetryResult>, ProblemHttpResult>> RetryMany(JsonBody<RetryBody> body, NotificationAdmin admin, HttpContext http, CancellationToken cancellationToken)
    {
        if (body.Failure is { } invalid)
        {
            return Problems.From(http, invalid);
        }

        var result = await admin.RetryManyAsync(http.User.ToCaller(), body.Value!.Ids ?? [], cancellationToken);
        return result.Failure is { } failure ? Problems.From(http, failure) : TypedResults.Ok(new RetryResult(result.Value));
    }

    private static async Task<Results<Ok<IReadOnlyList<NotificationView>>, ProblemHttpResult>> DeliveryNotifications(Guid id, DeliveryInsight insight, HttpContext http, CancellationToken cancellationToken) =>
        Problems.OkOr(http, await insight.NotificationsAsync(http.User.ToCaller(), id, cancellationToken));

    private static async Task<Results<Ok<Overview>, ProblemHttpResult>> Overview(int? stuckDays, OperationsOverview overview, HttpContext http, CancellationToken cancellationToken) =>
        Problems.OkOr(http, await overview.ReadAsync(http.User.ToCaller(), stuckDays ?? OperationsOverview.DefaultStuckDays, cancellationToken));

    private static async Task<Results<Ok<IReadOnlyList<ProviderFigures>>, ProblemHttpResult>> Providers(DateTimeOffset? from, DateTimeOffset? to, ProviderAnalytics analytics, HttpContext http, CancellationToken cancellationToken) =>
        Problems.OkOr(http, await analytics.ReadAsync(http.User.ToCaller(), from, to, cancellationToken));

    private static async Task<Results<Ok<IReadOnlyList<PageSessionView>>, ProblemHttpResult>> Sessions(string? subject, SessionAdmin sessions, HttpContext http, CancellationToken cancellationToken) =>
        Problems.OkOr(http, await sessions.ListAsync(http.User.ToCaller(), subject, cancellationToken));

    private static async Task<Results<Ok<RevokeResult>, ProblemHttpResult>> RevokeSessions(JsonBody<RevokeBody> body, SessionAdmin sessions, HttpContext http, CancellationToken cancellationToken)
    {
        if (body.Failure is { } invalid)
        {
            return Problems.From(http, invalid);
        }

        var result = await sessions.RevokeAsync(http.User.ToCaller(), body.Value!.Subject, cancellationToken);
        return result.Failure is { } failure ? Problems.From(http, failure) : TypedResults.Ok(new RevokeResult(result.Value));
    }

    private static ProblemHttpResult? Invalid(HttpContext http, Failure? bodyFailure, out int? version)
    {
        version = null;
        if (bodyFailure is not null)
        {
            return Problems.From(http, bodyFailure);
        }

        return RequestHeaders.TryGetIfMatch(http.Request, out version, out var badVersion) ? null : Problems.From(http, badVersion!);
    }
}
