using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Application.Notifications;
using ServiceDelivery.Engine.Timers;
using ServiceDelivery.Persistence;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Application.Operations;

/// <summary>
/// What runs inside one delivery: its timers and tasks (for anyone who may see it) and its outgoing mails and
/// webhooks (platform). The console's delivery page and the API read the same.
/// </summary>
public sealed class DeliveryInsight(ServiceDeliveryDbContext db, DefinitionCatalog catalog)
{
    /// <summary>Every timer, live ones first, then by creation.</summary>
    public async Task<Result<IReadOnlyList<TimerView>>> TimersAsync(Caller caller, Guid deliveryId, CancellationToken cancellationToken)
    {
        if (await VisibleAsync(caller, deliveryId, cancellationToken) is not { } delivery)
        {
            return Failure.NotFound;
        }

        var definition = await catalog.GetAsync(db, delivery.DefinitionKey, delivery.DefinitionVersion, cancellationToken);
        var rows = await db.Timers.AsNoTracking().Where(t => t.DeliveryId == deliveryId).OrderBy(t => t.CreatedAt).ThenBy(t => t.Key).ToListAsync(cancellationToken);
        return rows
            .OrderBy(t => t.State is TimerRecord.States.Running or TimerRecord.States.Frozen ? 0 : 1)
            .Select(t =>
            {
                var known = definition is not null && definition.TryGetTimer(t.Key, out var d) ? d : null;
                return new TimerView(t.Key, t.Stage, known is null ? null : known.IsReminder ? "reminder" : "action", known?.Perform, known?.Remind, t.State, t.DueAt, t.Remaining,
                    FreezeNames((FreezeReasons)t.FrozenBy), t.CreatedAt, t.EndedAt);
            })
            .ToList();
    }

    /// <summary>Every task, open ones first.</summary>
    public async Task<Result<IReadOnlyList<TaskView>>> TasksAsync(Caller caller, Guid deliveryId, CancellationToken cancellationToken)
    {
        if (await VisibleAsync(caller, deliveryId, cancellationToken) is null)
        {
            return Failure.NotFound;
        }

        var rows = await db.Tasks.AsNoTracking().Where(t => t.DeliveryId == deliveryId).OrderBy(t => t.ClosedAt != null).ThenBy(t => t.OpenedAt).ToListAsync(cancellationToken);
        return rows.Select(t => new TaskView(t.Id, t.Role, t.AssigneeId, t.Stage, t.OpenedAt, t.ClosedAt)).ToList();
    }

    /// <summary>The delivery's mails and webhooks, newest first (platform).</summary>
    public async Task<Result<IReadOnlyList<NotificationView>>> NotificationsAsync(Caller caller, Guid deliveryId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.Is(Caller.Platform))
        {
            return Failure.Forbidden;
        }

        if (!await db.Deliveries.AnyAsync(d => d.Id == deliveryId, cancellationToken))
        {
            return Failure.NotFound;
        }

        var rows = await db.Outbox.AsNoTracking().Where(o => o.DeliveryId == deliveryId).OrderByDescending(o => o.Id).Take(500).ToListAsync(cancellationToken);
        return rows.Select(NotificationAdmin.ToView).ToList();
    }

    /// <summary>
    /// What the platform decides on for each of these deliveries (platform): the buyer, what a refund would return, the
    /// invoice status and the request that brought the delivery into its stage (e.g. the buyer's refund reason).
    /// </summary>
    public async Task<Result<IReadOnlyDictionary<Guid, DecisionFacts>>> DecisionFactsAsync(Caller caller, IReadOnlyCollection<Guid> deliveryIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(deliveryIds);
        if (!caller.Is(Caller.Platform))
        {
            return Failure.Forbidden;
        }

        var ids = deliveryIds.Distinct().ToList();
        var deliveries = await db.Deliveries.AsNoTracking().Where(d => ids.Contains(d.Id)).ToListAsync(cancellationToken);
        // The latest step into the current stage, per delivery; a step that stayed (a note, a ticket) is not the request.
        var requests = await db.ProcessLog.AsNoTracking()
            .Join(db.Deliveries, l => l.DeliveryId, d => d.Id, (l, d) => new { Log = l, d.Stage })
            .Where(x => ids.Contains(x.Log.DeliveryId) && x.Log.ToStage == x.Stage && x.Log.FromStage != x.Stage)
            .Select(x => x.Log)
            .ToListAsync(cancellationToken);
        var latest = requests.GroupBy(l => l.DeliveryId).ToDictionary(g => g.Key, g => g.MaxBy(l => l.Seq)!);
        return deliveries.ToDictionary(d => d.Id, d =>
        {
            var request = latest.GetValueOrDefault(d.Id);
            return new DecisionFacts(
                d.Id, new PartyView(d.BuyerId, d.BuyerName, d.BuyerEmail), d.PaidAmount, d.Currency, d.InvoiceStatus,
                request?.Action, request?.At, request?.ActorName, request?.Data ?? new Dictionary<string, string>());
        });
    }

    /// <summary>The order ids of these deliveries (platform), for lists that name a delivery by what people know it by.</summary>
    public async Task<Result<IReadOnlyDictionary<Guid, string>>> OrderIdsAsync(Caller caller, IReadOnlyCollection<Guid> deliveryIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(deliveryIds);
        if (!caller.Is(Caller.Platform))
        {
            return Failure.Forbidden;
        }

        var ids = deliveryIds.Distinct().ToList();
        return await db.Deliveries.AsNoTracking().Where(d => ids.Contains(d.Id)).ToDictionaryAsync(d => d.Id, d => d.OrderId, cancellationToken);
    }

    private async Task<DeliveryRecord?> VisibleAsync(Caller caller, Guid deliveryId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var delivery = await db.Deliveries.AsNoTracking().FirstOrDefaultAsync(d => d.Id == deliveryId, cancellationToken);
        return delivery is not null && DeliveryAccess.CanSee(caller, delivery) ? delivery : null;
    }

    private static IReadOnlyList<string> FreezeNames(FreezeReasons reasons) =>
        [.. Enum.GetValues<FreezeReasons>().Where(r => r != FreezeReasons.None && reasons.HasFlag(r)).Select(r => r.ToString().ToLowerInvariant())];
}

/// <summary>A durable timer of a delivery.</summary>
/// <param name="Kind">action (performs <see cref="Perform"/> when due) or reminder (sends <see cref="Remind"/>); null when its definition no longer has it.</param>
/// <param name="State">running, frozen, fired or cancelled.</param>
/// <param name="Remaining">While frozen: the time left when the clock runs again.</param>
/// <param name="FrozenBy">While frozen: paused (refund review) and/or dispute.</param>
public sealed record TimerView(
    string Key,
    string Stage,
    string? Kind,
    string? Perform,
    string? Remind,
    string State,
    DateTimeOffset? DueAt,
    TimeSpan? Remaining,
    IReadOnlyList<string> FrozenBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? EndedAt);

/// <summary>A human task; open while <see cref="ClosedAt"/> is null.</summary>
public sealed record TaskView(Guid Id, string Role, string? AssigneeId, string Stage, DateTimeOffset OpenedAt, DateTimeOffset? ClosedAt);

/// <summary>The facts next to a platform decision (a refund review): see <see cref="DeliveryInsight.DecisionFactsAsync"/>.</summary>
/// <param name="RefundAmount">What approving the refund returns: the paid amount, as the engine sets it (a coupon is not refunded).</param>
/// <param name="RequestAction">The action that brought the delivery into its stage (e.g. request_refund), with its form's values in <see cref="Request"/>.</param>
public sealed record DecisionFacts(
    Guid DeliveryId,
    PartyView Buyer,
    decimal RefundAmount,
    string Currency,
    string InvoiceStatus,
    string? RequestAction,
    DateTimeOffset? RequestedAt,
    string? RequestedBy,
    IReadOnlyDictionary<string, string> Request);
