using Microsoft.Extensions.DependencyInjection;
using ServiceDelivery.Application;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Definitions;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Application.Operations;
using ServiceDelivery.Application.Tickets;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Engine.Execution;
using ServiceDelivery.Persistence;

namespace ServiceDelivery.Web.Center;

/// <summary>An action this person may take now, with the guard that blocks it (an invoice before a refund), if any.</summary>
public sealed record ActionOffer(ActionDefinition Action, Guard? BlockedBy)
{
    /// <summary>A refund request (the definition says so).</summary>
    public bool IsRefund => Action.IsRefundRequest;
}

/// <summary>What happened in one stage: its log entries, in order.</summary>
public sealed record StageVisit(string Stage, IReadOnlyList<LogEntryView> Entries);

/// <summary>
/// Everything 流程详情 shows a buyer or provider staff, read through the application's queries (which decide what
/// the person may see: a delivery of somebody else is not found, internal notes never come back).
/// </summary>
public sealed record CenterDelivery(
    DeliveryView Delivery,
    ProcessDefinition Definition,
    DeliveryLog Log,
    IReadOnlyList<ActionOffer> Offers,
    TimerView? Countdown,
    IReadOnlyList<TicketView> Tickets,
    bool IsBuyer,
    DateTimeOffset Now)
{
    public static async Task<CenterDelivery?> LoadAsync(IServiceProvider services, Caller caller, Guid id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(caller);
        var delivery = (await services.GetRequiredService<DeliveryQueries>().GetAsync(caller, id, cancellationToken)).Value;
        if (delivery is null)
        {
            return null;
        }

        var db = services.GetRequiredService<ServiceDeliveryDbContext>();
        var definition = await services.GetRequiredService<DefinitionCatalog>().GetAsync(db, delivery.Definition.Key, delivery.Definition.Version, cancellationToken);
        var log = (await services.GetRequiredService<DeliveryQueries>().LogAsync(caller, id, cancellationToken)).Value;
        if (definition is null || log is null)
        {
            return null;
        }

        var invoice = InvoiceStatuses.TryParse(delivery.InvoiceStatus, out var status) ? status : InvoiceStatus.None;
        var offers = DeliveryAccess.AvailableActions(caller, delivery, definition)
            .Select(a => new ActionOffer(a, WorkflowEngine.BlockingGuard(a, invoice)))
            .ToList();
        var timers = (await services.GetRequiredService<DeliveryInsight>().TimersAsync(caller, id, cancellationToken)).Value ?? [];
        var tickets = (await services.GetRequiredService<TicketQueries>().ThreadsForDeliveryAsync(caller, id, cancellationToken)).Value ?? [];
        return new CenterDelivery(
            delivery,
            definition,
            log,
            offers,
            timers.FirstOrDefault(t => t.Kind == "action" && t.State is "running" or "frozen"),
            tickets,
            caller.Is(Caller.Buyer) && delivery.Buyer.Id == caller.Id,
            services.GetRequiredService<TimeProvider>().GetUtcNow());
    }

    public StageDefinition Stage => Definition.Stage(Delivery.Stage);

    public string StageName(string stage) => DisplayNames.Stage(Definition, stage, UiText.Culture);

    public string ActionName(string action) => DisplayNames.Action(Definition, action, UiText.Culture);

    /// <summary>
    /// The process as a line: from the initial stage, each stage's first action that leads on (not a stay, not a
    /// paused review) — the path the designer listed first. Detours the delivery took (a rejected requirement) sit
    /// after the stage they left; a refunded or closed end replaces the normal end. Paused stages are a branch.
    /// </summary>
    public IReadOnlyList<StageDefinition> MainLine
    {
        get
        {
            var line = new List<StageDefinition>();
            for (var stage = Definition.InitialStage; stage is not null && !line.Contains(stage);)
            {
                line.Add(stage);
                stage = stage.IsTerminal ? null : stage.Actions
                    .Select(a => Definition.TryGetStage(a.Target, out var next) ? next : null)
                    .FirstOrDefault(next => next is not null && !next.IsPaused && next.Key != stage.Key);
            }

            foreach (var entry in Log.Entries)
            {
                if (Definition.TryGetStage(entry.ToStage, out var to) && !to.IsPaused && !to.IsTerminal && !line.Contains(to)
                    && entry.FromStage is { } from && line.FindIndex(s => s.Key == from) is var at and >= 0)
                {
                    line.Insert(at + 1, to);
                }
            }

            if (Stage.IsTerminal && !line.Contains(Stage))
            {
                line.RemoveAll(s => s.IsTerminal);
                line.Add(Stage);
            }

            return line;
        }
    }

    /// <summary>Stages the delivery has been in.</summary>
    public IReadOnlySet<string> Visited => Log.Entries.SelectMany(e => new[] { e.FromStage, e.ToStage }).OfType<string>().ToHashSet(StringComparer.Ordinal);

    /// <summary>What was done in each stage, in the order the delivery passed them (a stage entered twice: twice).</summary>
    public IReadOnlyList<StageVisit> Visits
    {
        get
        {
            var visits = new List<StageVisit>();
            List<LogEntryView>? current = null;
            string? stage = null;
            foreach (var entry in Log.Entries)
            {
                var where = entry.FromStage ?? entry.ToStage;
                if (where != stage || current is null)
                {
                    current = [];
                    stage = where;
                    visits.Add(new StageVisit(where, current));
                }

                current.Add(entry);
            }

            return visits;
        }
    }

    /// <summary>A refund action of the definition this person could have asked for earlier but not now (then: a ticket).</summary>
    public ActionDefinition? RefundNoLongerOffered =>
        IsBuyer && !Stage.IsTerminal && !Stage.IsPaused && Offers.All(o => !o.IsRefund)
            ? Definition.Actions.FirstOrDefault(a => a.IsRefundRequest && a.Roles.Contains(ActorRole.Buyer))
            : null;

    /// <summary>Tickets can be opened while the delivery runs (not in a paused review: the platform already has it).</summary>
    public bool CanOpenTicket => !Stage.IsTerminal && !Stage.IsPaused;
}
