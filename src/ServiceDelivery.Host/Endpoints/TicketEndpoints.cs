using Microsoft.AspNetCore.Http.HttpResults;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Tickets;
using ServiceDelivery.Host.Auth;

namespace ServiceDelivery.Host.Endpoints;

/// <summary>Tickets (工单): opened by buyer or provider on a delivery, a message thread, resolved by the platform.</summary>
public static class TicketEndpoints
{
    public static IEndpointRouteBuilder MapTicketEndpoints(this IEndpointRouteBuilder app)
    {
        var onDelivery = app.MapGroup("/api/v1/deliveries/{id:guid}/tickets").WithTags("Tickets").RequireAuthorization(Policies.DeliveryActors);
        onDelivery.MapPost("/", Open).WithName("OpenTicket")
            .WithSummary("Open a ticket on a delivery (buyer or provider)")
            .WithDescription("category: refund_after_confirmation, acceptance_dispute or other. An acceptance_dispute freezes the auto-acceptance clock until it is resolved; a second one while one is open is 409 dispute_already_open. Optional Idempotency-Key: a repeat answers the ticket the first call opened.")
            .Accepts<TicketBody>("application/json")
            .ProducesErrors(400, 401, 403, 404, 409, 415);
        onDelivery.MapGet("/", ForDelivery).WithName("ListDeliveryTickets").WithSummary("The delivery's tickets, newest first")
            .WithDescription("The delivery's tickets (category, subject, status, who opened it, outcome) newest first, for anyone who can see the delivery.").ProducesErrors(401, 403, 404);

        var tickets = app.MapGroup("/api/v1/tickets").WithTags("Tickets").RequireAuthorization(Policies.DeliveryActors);
        tickets.MapGet("/", List).WithName("ListTickets").WithSummary("Tickets in the caller's scope, newest first; status=open|resolved")
            .WithDescription("Tickets of the deliveries the caller can see (buyers their own, provider staff their provider's, the platform all), newest first. status=open or resolved narrows the list.").ProducesErrors(400, 401, 403);
        tickets.MapGet("/{ticketId:guid}", Get).WithName("GetTicket").WithSummary("A ticket with its messages and resolution")
            .WithDescription("The ticket with its description, every message (author, body, attachments) oldest first, and the resolution (outcome, amount, note) once resolved.").ProducesErrors(401, 403, 404);
        tickets.MapPost("/{ticketId:guid}/messages", Message).WithName("PostTicketMessage")
            .WithSummary("Add a message to an open ticket")
            .WithDescription("Buyer, provider staff of the delivery or the platform add a message (body, optional attachmentIds from POST /api/v1/attachments). A resolved ticket refuses new messages with 409 invalid_transition.")
            .Accepts<MessageBody>("application/json")
            .ProducesErrors(400, 401, 403, 404, 409, 415);
        tickets.MapPost("/{ticketId:guid}/resolve", Resolve).RequireAuthorization(Policies.Platform).WithName("ResolveTicket")
            .WithSummary("Resolve a ticket (platform)")
            .WithDescription("outcome: no_change (a frozen acceptance clock resumes with its remaining time), refund (amount up to the paid amount), force_complete, close_delivery; note is required.")
            .Accepts<ResolveBody>("application/json")
            .ProducesErrors(400, 401, 403, 404, 409, 415);
        return app;
    }

    public sealed record TicketBody(string? Category, string? Subject, string? Description, List<Guid>? AttachmentIds);

    public sealed record MessageBody(string? Body, List<Guid>? AttachmentIds);

    public sealed record ResolveBody(string? Outcome, decimal? Amount, string? Note);

    private static async Task<Results<Created<TicketView>, ProblemHttpResult>> Open(Guid id, JsonBody<TicketBody> body, TicketCommands commands, HttpContext http, CancellationToken cancellationToken)
    {
        if (body.Failure is { } invalid)
        {
            return Problems.From(http, invalid);
        }

        if (!RequestHeaders.TryGetIdempotencyKey(http.Request, out var key, out var badKey))
        {
            return Problems.From(http, badKey!);
        }

        var b = body.Value!;
        var result = await commands.OpenAsync(http.User.ToCaller(), id, new OpenTicketRequest(b.Category, b.Subject, b.Description, b.AttachmentIds ?? []), cancellationToken, key);
        return result.Failure is { } failure ? Problems.From(http, failure) : TypedResults.Created($"/api/v1/tickets/{result.Value!.Id}", result.Value);
    }

    private static async Task<Results<Ok<IReadOnlyList<TicketSummary>>, ProblemHttpResult>> ForDelivery(Guid id, TicketQueries queries, HttpContext http, CancellationToken cancellationToken) =>
        Respond(http, await queries.ForDeliveryAsync(http.User.ToCaller(), id, cancellationToken));

    private static async Task<Results<Ok<IReadOnlyList<TicketSummary>>, ProblemHttpResult>> List(string? status, int? limit, TicketQueries queries, HttpContext http, CancellationToken cancellationToken) =>
        Respond(http, await queries.ListAsync(http.User.ToCaller(), status, limit, cancellationToken));

    private static async Task<Results<Ok<TicketView>, ProblemHttpResult>> Get(Guid ticketId, TicketQueries queries, HttpContext http, CancellationToken cancellationToken) =>
        Respond(http, await queries.GetAsync(http.User.ToCaller(), ticketId, cancellationToken));

    private static async Task<Results<Created<TicketView>, ProblemHttpResult>> Message(Guid ticketId, JsonBody<MessageBody> body, TicketCommands commands, HttpContext http, CancellationToken cancellationToken)
    {
        if (body.Failure is { } invalid)
        {
            return Problems.From(http, invalid);
        }

        var result = await commands.PostMessageAsync(http.User.ToCaller(), ticketId, new PostTicketMessageRequest(body.Value!.Body, body.Value.AttachmentIds ?? []), cancellationToken);
        return result.Failure is { } failure ? Problems.From(http, failure) : TypedResults.Created($"/api/v1/tickets/{ticketId}", result.Value!);
    }

    private static async Task<Results<Ok<TicketView>, ProblemHttpResult>> Resolve(Guid ticketId, JsonBody<ResolveBody> body, TicketCommands commands, HttpContext http, CancellationToken cancellationToken)
    {
        if (body.Failure is { } invalid)
        {
            return Problems.From(http, invalid);
        }

        var b = body.Value!;
        return Respond(http, await commands.ResolveAsync(http.User.ToCaller(), ticketId, new ResolveTicketRequest(b.Outcome, b.Amount, b.Note), cancellationToken));
    }

    private static Results<Ok<T>, ProblemHttpResult> Respond<T>(HttpContext http, Result<T> result) =>
        result.Failure is { } failure ? Problems.From(http, failure) : TypedResults.Ok(result.Value!);
}
