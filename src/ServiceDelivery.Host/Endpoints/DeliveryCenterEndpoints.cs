using System.Net.ServerSentEvents;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Application.Attachments;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Host.Auth;
using ServiceDelivery.Host.Hosting;
using ServiceDelivery.Persistence;

namespace ServiceDelivery.Host.Endpoints;

/// <summary>
/// What the delivery centre's pages need besides their HTML, on the signed-in person's cookie: file uploads with
/// progress (the page's antiforgery token in a header), downloads, and a light live channel (Server-Sent Events fed
/// by the commit feed, which hears every host) that tells an open page to re-read itself.
/// </summary>
public static class DeliveryCenterEndpoints
{
    /// <summary>A comment line this often keeps proxies from closing a quiet stream and finds dead connections.</summary>
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(20);

    /// <summary>Changes within this window are one event: a burst of commits costs one re-read.</summary>
    private static readonly TimeSpan Coalesce = TimeSpan.FromMilliseconds(250);

    public static IEndpointRouteBuilder MapDeliveryCenterEndpoints(this IEndpointRouteBuilder app)
    {
        var center = app.MapGroup("/deliveries").RequireAuthorization(Policies.DeliveryActors).ExcludeFromDescription();
        center.MapPost("/attachments", UploadAsync).DisableAntiforgery();
        center.MapGet("/attachments/{id:guid}", AttachmentEndpoints.Download);
        center.MapGet("/{id:guid}/events", DeliveryEvents);
        center.MapGet("/events", ListEvents);
        return app;
    }

    /// <summary>The API's upload, for a page: the antiforgery token travels in the request header (the body is the file).</summary>
    private static async Task<IResult> UploadAsync(HttpContext http, IAntiforgery antiforgery, AttachmentCommands attachments, CancellationToken cancellationToken)
    {
        if (!http.Request.Headers.ContainsKey(AntiforgeryHeader) || !await PageSecurity.IsValidPostAsync(http, antiforgery))
        {
            return Results.BadRequest();
        }

        return await AttachmentEndpoints.Upload(http, attachments, cancellationToken);
    }

    /// <summary>The header the pages' script sends the form's antiforgery token in (ASP.NET Core's default name).</summary>
    public const string AntiforgeryHeader = "RequestVerificationToken";

    /// <summary>"changed" whenever this delivery changes on any host; 404 for a delivery the person may not see.</summary>
    private static async Task<IResult> DeliveryEvents(Guid id, HttpContext http, DeliveryQueries deliveries, ICommitFeed feed, CancellationToken cancellationToken)
    {
        if ((await deliveries.GetAsync(http.User.ToCaller(), id, cancellationToken)).Failure is not null)
        {
            return Results.NotFound();
        }

        return TypedResults.ServerSentEvents(Changes(feed, changed => changed.Count == 0 || changed.Contains(id), cancellationToken));
    }

    /// <summary>"changed" whenever one of the person's deliveries changes (the list re-reads its page).</summary>
    private static ServerSentEventsResult<string> ListEvents(HttpContext http, ICommitFeed feed, IServiceScopeFactory scopes, CancellationToken cancellationToken)
    {
        var caller = http.User.ToCaller();
        return TypedResults.ServerSentEvents(Changes(feed, _ => true, cancellationToken, async changed =>
        {
            // One indexed look-up per coalesced burst: is any of them this person's?
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ServiceDeliveryDbContext>();
            return changed.Count == 0 || await db.Deliveries.AsNoTracking().VisibleTo(caller).AnyAsync(d => changed.Contains(d.Id), cancellationToken);
        }));
    }

    private static async IAsyncEnumerable<SseItem<string>> Changes(
        ICommitFeed feed,
        Func<IReadOnlyList<Guid>, bool> concerns,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken,
        Func<List<Guid>, Task<bool>>? mine = null)
    {
        // The feed's handler only queues (it never blocks or throws into the committing request).
        var changes = Channel.CreateBounded<IReadOnlyList<Guid>>(new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        void OnChanged(IReadOnlyList<Guid> changed)
        {
            if (concerns(changed))
            {
                changes.Writer.TryWrite(changed);
            }
        }

        feed.DeliveriesChanged += OnChanged;
        try
        {
            yield return new SseItem<string>("ready", "ready") { ReconnectionInterval = TimeSpan.FromSeconds(2) };
            while (!cancellationToken.IsCancellationRequested)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                wait.CancelAfter(KeepAlive);
                IReadOnlyList<Guid>? first = null;
                try
                {
                    first = await changes.Reader.ReadAsync(wait.Token);
                }
                catch (OperationCanceledException)
                {
                    // Quiet for a while (a ping follows), or the page went away (the loop ends).
                }

                if (cancellationToken.IsCancellationRequested)
                {
                    yield break;
                }

                if (first is null)
                {
                    yield return new SseItem<string>("ping", "ping");
                    continue;
                }

                var changed = new List<Guid>(first);
                var everything = first.Count == 0;
                await Task.Delay(Coalesce, CancellationToken.None);
                while (changes.Reader.TryRead(out var more))
                {
                    everything |= more.Count == 0;
                    changed.AddRange(more);
                }

                if (mine is null || await mine(everything ? [] : changed))
                {
                    yield return new SseItem<string>("changed", "changed");
                }
            }
        }
        finally
        {
            feed.DeliveriesChanged -= OnChanged;
        }
    }
}
