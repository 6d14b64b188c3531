using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using ServiceDelivery.Web;
using ServiceDelivery.Application.Common;
using Microsoft.AspNetCore.Mvc;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Application.Operations;
using ServiceDelivery.Host.Auth;

namespace ServiceDelivery.Host.Endpoints;

/// <summary>/api/v1/deliveries: start, list, count, read, log, actions, invoice status.</summary>
public static class DeliveryEndpoints
{
    public static IEndpointRouteBuilder MapDeliveryEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/deliveries").WithTags("Deliveries").RequireAuthorization(Policies.DeliveryReaders);

        group.MapPost("/", Start).RequireAuthorization(Policies.Marketplace).WithName("StartDelivery")
            .WithSummary("Start the delivery of a paid order (marketplace)")
            .WithDescription("Idempotent per orderId: the same order again answers 200 with the existing delivery; the same orderId with different content is 409 order_conflict. definitionKey is optional.")
            .Accepts<StartDeliveryBody>("application/json")
            .ProducesErrors(400, 401, 403, 409, 413, 415);
        group.MapGet("/", List).WithName("ListDeliveries")
            .WithSummary("The caller's deliveries, newest first (keyset pagination)")
            .WithDescription("Buyers see their own, provider staff their provider's, the platform all. Filters (all combine): stage, status, q (order id or product name), definitionKey, definitionVersion, providerId, buyerId, productId, orderId, createdFrom / createdTo (ISO 8601; from inclusive, to exclusive), dueSoon=true (auto-acceptance within 24 h), stuckDays=N (active, nothing written for N days), openTicket=true, failedNotification=true. Pass nextCursor back as cursor; limit 1–100 (default 20).")
            .ProducesErrors(400, 401, 403);
        group.MapGet("/counts", Counts).WithName("CountDeliveries")
            .WithSummary("How many of the caller's deliveries are in each stage (delivery-centre tabs)")
            .WithDescription("An object from stage key to the number of the caller's deliveries in it, in the same scope as GET /api/v1/deliveries (buyers their own, provider staff their provider's, the platform all). Every stage of the default definition is present (0 when empty), and any other stage one of the caller's deliveries is in.")
            .ProducesErrors(401, 403);
        group.MapGet("/{id:guid}", Get).WithName("GetDelivery")
            .WithSummary("One delivery; ETag carries its version")
            .WithDescription("The delivery with its order, parties, stage and status, the actions the caller may perform now (with their forms), timers, open tasks and tickets. The ETag header is the delivery's version: send it back as If-Match with an action to be refused (409 version_conflict) rather than act on a stale view. Buyers see their own deliveries, provider staff their provider's, the platform all; others get 404.")
            .ProducesErrors(401, 403, 404);
        group.MapGet("/{id:guid}/log", Log).WithName("GetProcessLog")
            .WithSummary("The process log (流程日志), oldest first")
            .WithDescription("Every step by anyone (buyer, provider, platform, system, marketplace). internalData is returned to the platform only. Keyset pages: at most `limit` entries (default 500, at most 1000) after sequence number `after`; when more follow, the `Link` header names the next page (rel=\"next\").")
            .ProducesErrors(400, 401, 403, 404);
        group.MapPost("/{id:guid}/actions/{action}", Perform).RequireAuthorization(Policies.DeliveryActors).WithName("PerformAction")
            .WithSummary("Perform an action of the process with its form")
            .WithDescription("Body: the action's form fields (strings) plus attachmentIds. Optional If-Match: \"<version>\" (409 version_conflict when stale) and Idempotency-Key (a repeat returns the first result; the same key with another body is 409 idempotency_key_reused).")
            .Accepts<Dictionary<string, JsonElement>>("application/json")
            .ProducesErrors(400, 401, 403, 404, 409, 413, 415);
        group.MapGet("/{id:guid}/timers", Timers).WithName("GetDeliveryTimers")
            .WithSummary("The delivery's timers: auto-acceptance and reminders, running, frozen (by whom), fired or cancelled")
            .WithDescription("Each timer of the delivery (auto-acceptance, reminders) with its kind, due time, state (running, frozen, fired, cancelled), the remaining time of a frozen one and who or what froze it (an open acceptance dispute).")
            .ProducesErrors(401, 403, 404);
        group.MapGet("/{id:guid}/tasks", Tasks).WithName("GetDeliveryTasks")
            .WithSummary("The delivery's tasks, open ones first")
            .WithDescription("The tasks the process gave people on this delivery (who must act: role, action, since when, due), open ones first, then done and cancelled ones.")
            .ProducesErrors(401, 403, 404);
        group.MapPut("/{id:guid}/invoice", SetInvoice).RequireAuthorization(Policies.Marketplace).WithName("SetInvoiceStatus")
            .WithSummary("Report the order's invoice status (marketplace): none, requested, issued, returned")
            .WithDescription("status: none, requested, issued or returned. While an invoice is requested or issued (and not returned) refunds are refused with 409 invoice_blocks_refund. Optional If-Match: \"<version>\". Logged in the process log.")
            .Accepts<InvoiceBody>("application/json")
            .ProducesErrors(400, 401, 403, 404, 409, 415);
        return app;
    }

    public sealed record StartDeliveryBody(
        string? OrderId,
        OrderProduct? Product,
        OrderParty? Buyer,
        OrderParty? Provider,
        decimal? PaidAmount,
        decimal? CouponAmount,
        string? Currency,
        DateTimeOffset? PaidAt,
        string? DefinitionKey);

    public sealed record InvoiceBody(string? Status);

    private static async Task<Results<Created<DeliveryResource>, Ok<DeliveryResource>, ProblemHttpResult>> Start(
        JsonBody<StartDeliveryBody> body, DeliveryCommands commands, DeliveryPresenter presenter, HttpContext http, CancellationToken cancellationToken)
    {
        if (body.Failure is { } invalid)
        {
            return Problems.From(http, invalid);
        }

        var b = body.Value!;
        var missing = new List<InputError>();
        if (b.PaidAmount is null)
        {
            missing.Add(new InputError("paidAmount", "required"));
        }

        if (b.PaidAt is null)
        {
            missing.Add(new InputError("paidAt", "required"));
        }

        if (missing.Count > 0)
        {
            return Problems.From(http, Failure.Invalid([.. missing]));
        }

        var request = new StartDeliveryRequest(b.OrderId ?? string.Empty, b.Product!, b.Buyer!, b.Provider!, b.PaidAmount!.Value, b.CouponAmount ?? 0m, b.Currency ?? string.Empty, b.PaidAt!.Value, b.DefinitionKey);
        var caller = http.User.ToCaller();
        var result = await commands.StartAsync(caller, request, cancellationToken);
        if (result.Failure is { } failure)
        {
            return Problems.From(http, failure);
        }

        var resource = await presenter.PresentAsync(result.Value!.Delivery, caller, Messages.Culture(http), cancellationToken);
        RequestHeaders.SetETag(http.Response, resource.Version);
        return result.Value.Created
            ? TypedResults.Created($"/api/v1/deliveries/{resource.Id}", resource)
            : TypedResults.Ok(resource);
    }

    private static async Task<Results<Ok<DeliveryList>, ProblemHttpResult>> List(
        [AsParameters] DeliveryListQuery query, DeliveryQueries queries, DeliveryPresenter presenter, HttpContext http, CancellationToken cancellationToken)
    {
        var caller = http.User.ToCaller();
        var result = await queries.ListAsync(caller, DeliveryListQuery.ToFilter(http.Request), cancellationToken);
        if (result.Failure is { } failure)
        {
            return Problems.From(http, failure);
        }

        var culture = Messages.Culture(http);
        var items = new List<DeliveryResource>(result.Value!.Items.Count);
        foreach (var view in result.Value.Items)
        {
            items.Add(await presenter.PresentAsync(view, caller, culture, cancellationToken));
        }

        return TypedResults.Ok(new DeliveryList(items, result.Value.NextCursor));
    }

    private static async Task<Ok<IReadOnlyDictionary<string, int>>> Counts(DeliveryQueries queries, HttpContext http, CancellationToken cancellationToken) =>
        TypedResults.Ok(await queries.CountsAsync(http.User.ToCaller(), cancellationToken));

    private static async Task<Results<Ok<DeliveryResource>, ProblemHttpResult>> Get(Guid id, DeliveryQueries queries, DeliveryPresenter presenter, HttpContext http, CancellationToken cancellationToken) =>
        await Respond(http, presenter, await queries.GetAsync(http.User.ToCaller(), id, cancellationToken), cancellationToken);

    private static async Task<Results<Ok<IReadOnlyList<LogEntryResource>>, ProblemHttpResult>> Log(
        Guid id, int? after, int? limit, DeliveryQueries queries, DeliveryPresenter presenter, HttpContext http, CancellationToken cancellationToken)
    {
        var pageSize = limit ?? DeliveryQueries.DefaultLogLimit;
        var result = await queries.LogPageAsync(http.User.ToCaller(), id, after, pageSize, cancellationToken);
        if (result.Failure is { } failure)
        {
            return Problems.From(http, failure);
        }

        // The body stays the array it always was; the next page is a link (RFC 8288), as on the web's other lists.
        if (result.Value!.NextAfter is { } next)
        {
            http.Response.Headers.Link = $"</api/v1/deliveries/{id}/log?after={next}&limit={pageSize}>; rel=\"next\"";
        }

        return TypedResults.Ok(await presenter.PresentAsync(result.Value!, Messages.Culture(http), cancellationToken));
    }

    private static async Task<Results<Ok<DeliveryResource>, ProblemHttpResult>> Perform(
        Guid id, string action, JsonBody<Dictionary<string, JsonElement>> body, DeliveryCommands commands, DeliveryPresenter presenter, HttpContext http, CancellationToken cancellationToken)
    {
        if (body.Failure is { } invalid)
        {
            return Problems.From(http, invalid);
        }

        if (!RequestHeaders.TryGetIfMatch(http.Request, out var version, out var badVersion) || !RequestHeaders.TryGetIdempotencyKey(http.Request, out var key, out badVersion))
        {
            return Problems.From(http, badVersion!);
        }

        if (!TryReadForm(body.Value!, out var fields, out var attachments, out var formErrors))
        {
            return Problems.From(http, Failure.Invalid([.. formErrors]));
        }

        var result = await commands.PerformAsync(http.User.ToCaller(), new PerformActionRequest(id, action, fields, attachments, version, key), cancellationToken);
        return await Respond(http, presenter, result, cancellationToken);
    }

    private static async Task<Results<Ok<DeliveryResource>, ProblemHttpResult>> SetInvoice(
        Guid id, JsonBody<InvoiceBody> body, DeliveryCommands commands, DeliveryPresenter presenter, HttpContext http, CancellationToken cancellationToken)
    {
        if (body.Failure is { } invalid)
        {
            return Problems.From(http, invalid);
        }

        if (!RequestHeaders.TryGetIfMatch(http.Request, out var version, out var badVersion))
        {
            return Problems.From(http, badVersion!);
        }

        var result = await commands.SetInvoiceStatusAsync(http.User.ToCaller(), id, body.Value!.Status ?? string.Empty, version, cancellationToken);
        return await Respond(http, presenter, result, cancellationToken);
    }

    private static async Task<Results<Ok<IReadOnlyList<TimerView>>, ProblemHttpResult>> Timers(Guid id, DeliveryInsight insight, HttpContext http, CancellationToken cancellationToken) =>
        Problems.OkOr(http, await insight.TimersAsync(http.User.ToCaller(), id, cancellationToken));

    private static async Task<Results<Ok<IReadOnlyList<TaskView>>, ProblemHttpResult>> Tasks(Guid id, DeliveryInsight insight, HttpContext http, CancellationToken cancellationToken) =>
        Problems.OkOr(http, await insight.TasksAsync(http.User.ToCaller(), id, cancellationToken));

    /// <summary>A delivery result as 200 with its ETag, or the failure as problem details.</summary>
    internal static async Task<Results<Ok<DeliveryResource>, ProblemHttpResult>> Respond(HttpContext http, DeliveryPresenter presenter, Result<DeliveryView> result, CancellationToken cancellationToken)
    {
        if (result.Failure is { } failure)
        {
            return Problems.From(http, failure);
        }

        var resource = await presenter.PresentAsync(result.Value!, http.User.ToCaller(), Messages.Culture(http), cancellationToken);
        RequestHeaders.SetETag(http.Response, resource.Version);
        return TypedResults.Ok(resource);
    }

    /// <summary>Form fields must be strings (null means absent); attachmentIds an array of ids.</summary>
    private static bool TryReadForm(Dictionary<string, JsonElement> body, out Dictionary<string, string> fields, out List<Guid> attachments, out List<InputError> errors)
    {
        fields = new Dictionary<string, string>(StringComparer.Ordinal);
        attachments = [];
        errors = [];
        foreach (var (name, value) in body)
        {
            if (name == "attachmentIds")
            {
                if (value.ValueKind == JsonValueKind.Null)
                {
                    continue;
                }

                if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String || !e.TryGetGuid(out _)))
                {
                    errors.Add(new InputError(name, "wrong_type"));
                    continue;
                }

                attachments.AddRange(value.EnumerateArray().Select(e => e.GetGuid()));
            }
            else if (value.ValueKind == JsonValueKind.String)
            {
                fields[name] = value.GetString()!;
            }
            else if (value.ValueKind != JsonValueKind.Null)
            {
                errors.Add(new InputError(name, "wrong_type"));
            }
        }

        return errors.Count == 0;
    }
}

/// <summary>The query of <c>GET /api/v1/deliveries</c> (and of the console's CSV export).</summary>
public sealed class DeliveryListQuery
{
    [FromQuery(Name = "stage")] public string? Stage { get; init; }

    [FromQuery(Name = "status")] public string? Status { get; init; }

    [FromQuery(Name = "q")] public string? Q { get; init; }

    [FromQuery(Name = "definitionKey")] public string? DefinitionKey { get; init; }

    [FromQuery(Name = "definitionVersion")] public int? DefinitionVersion { get; init; }

    [FromQuery(Name = "providerId")] public string? ProviderId { get; init; }

    [FromQuery(Name = "buyerId")] public string? BuyerId { get; init; }

    [FromQuery(Name = "productId")] public string? ProductId { get; init; }

    [FromQuery(Name = "orderId")] public string? OrderId { get; init; }

    [FromQuery(Name = "createdFrom")] public DateTimeOffset? CreatedFrom { get; init; }

    [FromQuery(Name = "createdTo")] public DateTimeOffset? CreatedTo { get; init; }

    [FromQuery(Name = "dueSoon")] public bool? DueSoon { get; init; }

    [FromQuery(Name = "stuckDays")] public int? StuckDays { get; init; }

    [FromQuery(Name = "openTicket")] public bool? OpenTicket { get; init; }

    [FromQuery(Name = "failedNotification")] public bool? FailedNotification { get; init; }

    [FromQuery(Name = "cursor")] public string? Cursor { get; init; }

    [FromQuery(Name = "limit")] public int? Limit { get; init; }

    /// <summary>
    /// The filter: read from the request's query string by the one mapping (<see cref="DeliveryFilter.FromQuery"/>).
    /// This class is bound too, so that the framework refuses mistyped values and the OpenAPI document lists them.
    /// </summary>
    public static DeliveryFilter ToFilter(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return DeliveryFilter.FromQuery(request.QueryString.Value);
    }
}
