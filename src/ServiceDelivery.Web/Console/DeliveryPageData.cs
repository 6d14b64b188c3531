using Microsoft.Extensions.DependencyInjection;
using ServiceDelivery.Application;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Application.Evidence;
using ServiceDelivery.Application.Notifications;
using ServiceDelivery.Application.Operations;
using ServiceDelivery.Application.Tickets;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Persistence;
using ServiceDelivery.Web.Studio;

namespace ServiceDelivery.Web.Console;

/// <summary>Everything the console's delivery page shows, read in one scope through the application's queries.</summary>
public sealed record DeliveryPageData(
    DeliveryView Delivery,
    ProcessDefinition Definition,
    ProcessGraph Graph,
    DeliveryLog Log,
    IReadOnlyList<TimerView> Timers,
    IReadOnlyList<TaskView> Tasks,
    IReadOnlyList<NotificationView> Notifications,
    IReadOnlyList<TicketView> Tickets,
    IReadOnlyList<ActionDefinition> PlatformActions,
    DecisionFacts? Decision,
    DateTimeOffset Now,
    LogVerification Integrity)
{
    public static async Task<DeliveryPageData?> LoadAsync(IServiceProvider services, Caller caller, Guid id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        var delivery = (await services.GetRequiredService<DeliveryQueries>().GetAsync(caller, id, cancellationToken)).Value;
        if (delivery is null)
        {
            return null;
        }

        var db = services.GetRequiredService<ServiceDeliveryDbContext>();
        var definition = await services.GetRequiredService<DefinitionCatalog>().GetAsync(db, delivery.Definition.Key, delivery.Definition.Version, cancellationToken);
        if (definition is null)
        {
            return null;
        }

        var json = (await services.GetRequiredService<ServiceDelivery.Application.Definitions.DefinitionQueries>().GetVersionAsync(delivery.Definition.Key, delivery.Definition.Version, cancellationToken)).Value?.Json;
        var insight = services.GetRequiredService<DeliveryInsight>();
        var threads = Must(await services.GetRequiredService<TicketQueries>().ThreadsForDeliveryAsync(caller, id, cancellationToken));
        var platformActions = DeliveryAccess.AvailableActions(caller, delivery, definition);
        // A decision waiting for the platform is shown with what it rests on (the buyer's request, the amount, the invoice).
        var decision = platformActions.Count == 0 ? null
            : Must(await insight.DecisionFactsAsync(caller, [id], cancellationToken)).GetValueOrDefault(id);

        return new DeliveryPageData(
            delivery,
            definition,
            json is null ? ProcessGraph.Parse("{}") : ProcessGraph.Parse(json),
            (await services.GetRequiredService<DeliveryQueries>().LogAsync(caller, id, cancellationToken)).Value!,
            Must(await insight.TimersAsync(caller, id, cancellationToken)),
            Must(await insight.TasksAsync(caller, id, cancellationToken)),
            Must(await insight.NotificationsAsync(caller, id, cancellationToken)),
            threads,
            platformActions,
            decision,
            services.GetRequiredService<TimeProvider>().GetUtcNow(),
            // Recomputed on every load and live refresh (a delivery's chain verifies in milliseconds).
            Must(await services.GetRequiredService<LogVerifier>().VerifyAsync(caller, id, cancellationToken)));
    }

    /// <summary>A part of the page the caller was refused is an error to show, never an empty list that looks like "none".</summary>
    private static T Must<T>(Result<T> result) =>
        result.Failure is { } failure ? throw new InvalidOperationException($"The console's delivery page could not read a part of the delivery: {failure.Code}.") : result.Value!;

    /// <summary>Whether the entry numbered <paramref name="seq"/> is at or after the first one that cannot be trusted.</summary>
    public bool Untrusted(int seq) => Integrity is { Valid: false, FirstBrokenSeq: { } first } && seq >= first;

    /// <summary>The running or frozen action timer (auto-acceptance), if any.</summary>
    public TimerView? Countdown => Timers.FirstOrDefault(t => t.Kind == "action" && t.State is "running" or "frozen");

    /// <summary>Stages the delivery has been in, from its log.</summary>
    public IReadOnlySet<string> Visited => Log.Entries.SelectMany(e => new[] { e.FromStage, e.ToStage }).OfType<string>().ToHashSet(StringComparer.Ordinal);

    public string StageName(string stage) => Definition.TryGetStage(stage, out var s) ? s.Name.Get(UiText.Culture) : stage;

    /// <summary>A timer in words: "自动动作（验收通过）" or "提醒（提前 3 天 提醒）".</summary>
    public string TimerName(string key) =>
        !Definition.TryGetTimer(key, out var timer) ? key
        : timer.IsReminder ? UiText.T("console.timerKind.reminder") + UiText.Aside(UiText.T("timer.before", UiText.Span(timer.Before)))
        : UiText.T("console.timerKind.action") + UiText.Aside(ActionName(timer.Perform!));

    /// <summary>Who a task waits for, by name: the delivery's buyer or provider; a platform task is anyone of the platform's.</summary>
    public string AssigneeName(TaskView task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return task.AssigneeId switch
        {
            null => UiText.T("console.anyOperator"),
            var id when id == Delivery.Buyer.Id => Delivery.Buyer.Name,
            var id when id == Delivery.Provider.Id => Delivery.Provider.Name,
            var id => id,
        };
    }

    /// <summary>Whether one of the platform's actions ends in a refund (then the amount it returns stands next to it).</summary>
    public bool DecidesRefund => PlatformActions.Any(a => Definition.TryGetStage(a.Target, out var stage) && stage.Status == StageStatus.Refunded);

    public string ActionName(string action) => ServiceDelivery.Application.Definitions.DisplayNames.Action(Definition, action, UiText.Culture);
}
