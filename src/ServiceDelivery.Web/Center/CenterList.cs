using Microsoft.Extensions.DependencyInjection;
using ServiceDelivery.Application;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Definitions;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Persistence;

namespace ServiceDelivery.Web.Center;

/// <summary>One row of 交付中心: the delivery, its stage's name in its own definition version, and this person's actions now.</summary>
public sealed record CenterRow(DeliveryView Delivery, string StageName, IReadOnlyList<ActionDefinition> Actions);

/// <summary>One open task of the 待办 view.</summary>
public sealed record CenterTask(InboxItem Item, string StageName, IReadOnlyList<string> ActionNames);

/// <summary>A tab: a stage (null for 全部) with its name and count.</summary>
public sealed record CenterTab(string? Stage, string Name, int Count);

/// <summary>What the list page shows, read through the application's queries (a person sees only their own deliveries).</summary>
public sealed record CenterList(IReadOnlyList<CenterTab> Tabs, IReadOnlyList<CenterRow> Rows, string? NextCursor, IReadOnlyList<CenterTask> Tasks, string? NextTaskCursor, Failure? Failure)
{
    public const int PageSize = 20;

    public static async Task<CenterList> LoadAsync(IServiceProvider services, Caller caller, string? stage, string? q, string? cursor, bool todo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        var queries = services.GetRequiredService<DeliveryQueries>();
        var db = services.GetRequiredService<ServiceDeliveryDbContext>();
        var catalog = services.GetRequiredService<DefinitionCatalog>();
        var options = services.GetRequiredService<DeliveryOptions>();
        var culture = UiText.Culture;

        var counts = await queries.CountsAsync(caller, cancellationToken);
        var latest = await catalog.LatestAsync(db, options.DefaultDefinition, cancellationToken);
        var tabs = new List<CenterTab> { new(null, UiText.T("center.all"), counts.Values.Sum()) };
        tabs.AddRange(counts.Select(c => new CenterTab(c.Key, latest is null ? c.Key : DisplayNames.Stage(latest, c.Key, culture), c.Value)));

        async Task<ProcessDefinition?> DefinitionAsync(string key, int version) => await catalog.GetAsync(db, key, version, cancellationToken);

        if (todo)
        {
            var inbox = await queries.InboxAsync(caller, cursor, PageSize, cancellationToken);
            if (inbox.Failure is { } inboxFailure)
            {
                return new CenterList(tabs, [], null, [], null, inboxFailure);
            }

            var tasks = new List<CenterTask>();
            foreach (var item in inbox.Value!.Items)
            {
                var definition = await DefinitionAsync(item.DefinitionKey, item.DefinitionVersion);
                tasks.Add(new CenterTask(
                    item,
                    definition is null ? item.Stage : DisplayNames.Stage(definition, item.Stage, culture),
                    [.. item.Actions.Select(a => definition is null ? a : DisplayNames.Action(definition, a, culture))]));
            }

            // Oldest due first: a task with a deadline before those without one, then by when it was opened.
            return new CenterList(tabs, [], null, [.. tasks.OrderBy(t => t.Item.DueAt ?? DateTimeOffset.MaxValue).ThenBy(t => t.Item.CreatedAt)], inbox.Value.NextCursor, null);
        }

        var page = await queries.ListAsync(caller, new DeliveryFilter(Stage: stage, Q: q, Cursor: cursor, Limit: PageSize), cancellationToken);
        if (page.Failure is { } failure)
        {
            return new CenterList(tabs, [], null, [], null, failure);
        }

        var rows = new List<CenterRow>();
        foreach (var delivery in page.Value!.Items)
        {
            var definition = await DefinitionAsync(delivery.Definition.Key, delivery.Definition.Version);
            rows.Add(definition is null
                ? new CenterRow(delivery, delivery.Stage, [])
                : new CenterRow(delivery, DisplayNames.Stage(definition, delivery.Stage, culture), DeliveryAccess.AvailableActions(caller, delivery, definition)));
        }

        return new CenterList(tabs, rows, page.Value.NextCursor, [], null, null);
    }
}
