using ServiceDelivery.Web;
using ServiceDelivery.Application.Common;
using Microsoft.AspNetCore.Http.HttpResults;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Host.Auth;

namespace ServiceDelivery.Host.Endpoints;

/// <summary>The task inbox.</summary>
public static class TaskEndpoints
{
    public static IEndpointRouteBuilder MapTaskEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/tasks", Inbox).WithTags("Tasks").RequireAuthorization(Policies.DeliveryActors).WithName("GetTasks")
            .WithSummary("The caller's open tasks, oldest first")
            .WithDescription("Buyers and provider staff get their deliveries' tasks; the platform gets refund reviews and open tickets (kind=ticket). limit 1–200 (default 50); when more remain, a Link header with rel=\"next\" carries the next page.")
            .ProducesErrors(400, 401, 403);
        return app;
    }

    private static async Task<Results<Ok<List<TaskResource>>, ProblemHttpResult>> Inbox(string? cursor, int? limit, DeliveryQueries queries, DeliveryPresenter presenter, HttpContext http, CancellationToken cancellationToken)
    {
        var result = await queries.InboxAsync(http.User.ToCaller(), cursor, limit, cancellationToken);
        if (result.Failure is { } failure)
        {
            return Problems.From(http, failure);
        }

        var culture = Messages.Culture(http);
        var items = new List<TaskResource>(result.Value!.Items.Count);
        foreach (var item in result.Value.Items)
        {
            items.Add(await presenter.PresentAsync(item, culture, cancellationToken));
        }

        if (result.Value.NextCursor is { } next)
        {
            http.Response.Headers.Link = $"</api/v1/tasks?cursor={Uri.EscapeDataString(next)}&limit={limit ?? 50}>; rel=\"next\"";
        }

        return TypedResults.Ok(items);
    }
}
