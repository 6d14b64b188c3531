using System.Collections.Immutable;
using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Engine.Execution;
using ServiceDelivery.Engine.Timers;
using ServiceDelivery.Persistence;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Application.Deliveries;

/// <summary>
/// A delivery with everything the engine needs (open tasks, live timers, open disputes), loaded for one
/// command; <see cref="Apply"/> turns a decision into row changes on the same DbContext.
/// </summary>
internal sealed class DeliveryAggregate
{
    private DeliveryAggregate(DeliveryRecord record, ProcessDefinition definition, List<TaskRecord> openTasks, List<TimerRecord> liveTimers, ImmutableArray<string> openDisputes)
    {
        Record = record;
        Definition = definition;
        OpenTasks = openTasks;
        LiveTimers = liveTimers;
        OpenDisputes = openDisputes;
    }

    public DeliveryRecord Record { get; }

    public ProcessDefinition Definition { get; private set; }

    public List<TaskRecord> OpenTasks { get; }

    public List<TimerRecord> LiveTimers { get; }

    public ImmutableArray<string> OpenDisputes { get; private set; }

    /// <summary>A delivery that is being started (nothing in the database yet).</summary>
    public static DeliveryAggregate New(DeliveryRecord record, ProcessDefinition definition) => new(record, definition, [], [], []);

    /// <summary>
    /// Locks a delivery row (FOR UPDATE), then loads it with its open tasks, live timers, open disputes and, when a key
    /// is given, the first answer to that Idempotency-Key: two statements. Every writer of a delivery locks its row
    /// first, so they take their locks in the same order and none can deadlock another; writers of different
    /// deliveries never wait for each other.
    /// </summary>
    public static async Task<(DeliveryAggregate Aggregate, IdempotencyRecord? Replay)?> LoadLockedAsync(
        ServiceDeliveryDbContext db, DefinitionCatalog catalog, Guid id, Idempotency? idempotency, CancellationToken cancellationToken)
    {
        // Lock first, in a statement of its own, then load. Under READ COMMITTED a statement reads with the snapshot
        // it started with: a load joined to the lock would, after waiting for a writer of the same delivery, see that
        // writer's delivery row but not its tasks, timers or idempotency key (the twin request would not replay).
        if (!await db.LockDeliveryAsync(id, cancellationToken))
        {
            return null;
        }

        var row = await Load(db, id, idempotency?.Scope, idempotency?.Key, cancellationToken);
        if (row is null)
        {
            return null;
        }

        var definition = await DefinitionOf(db, catalog, row.Delivery, cancellationToken);
        return (new DeliveryAggregate(row.Delivery, definition, row.Tasks, row.Timers, [.. row.Disputes.Select(t => t.ToString())]), row.Replay);
    }

    // Compiled once: every command's load skips building, funcletizing and looking up its expression tree.
    private static readonly Func<ServiceDeliveryDbContext, Guid, string?, string?, CancellationToken, Task<LockedRow?>> Load =
        EF.CompileAsyncQuery((ServiceDeliveryDbContext db, Guid id, string? scope, string? key, CancellationToken _) =>
            db.Deliveries.Where(d => d.Id == id)
                .Select(d => new LockedRow(
                    d,
                    db.Tasks.Where(t => t.DeliveryId == d.Id && t.ClosedAt == null).ToList(),
                    db.Timers.Where(t => t.DeliveryId == d.Id && (t.State == TimerRecord.States.Running || t.State == TimerRecord.States.Frozen)).ToList(),
                    db.Tickets
                        .Where(t => t.DeliveryId == d.Id && t.Status == Tickets.TicketStatuses.Open && t.Category == Tickets.TicketCategories.AcceptanceDispute)
                        .OrderBy(t => t.OpenedAt)
                        .Select(t => t.Id)
                        .ToList(),

                    // Tracked like the rest: a no-tracking part would make the whole projection untracked.
                    db.IdempotencyKeys.Where(i => i.Scope == scope && i.Key == key).OrderBy(i => i.Key).FirstOrDefault()))
                .FirstOrDefault());

    private sealed record LockedRow(DeliveryRecord Delivery, List<TaskRecord> Tasks, List<TimerRecord> Timers, List<Guid> Disputes, IdempotencyRecord? Replay);

    /// <summary>Loads deliveries whose rows the transaction has already locked (a batch claim), in one round trip.</summary>
    public static async Task<List<DeliveryAggregate>> LoadManyAsync(ServiceDeliveryDbContext db, DefinitionCatalog catalog, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        var rows = await db.Deliveries
            .Where(d => ids.Contains(d.Id))
            .Select(d => new
            {
                Delivery = d,
                Tasks = db.Tasks.Where(t => t.DeliveryId == d.Id && t.ClosedAt == null).ToList(),
                Timers = db.Timers.Where(t => t.DeliveryId == d.Id && (t.State == TimerRecord.States.Running || t.State == TimerRecord.States.Frozen)).ToList(),
                Disputes = db.Tickets
                    .Where(t => t.DeliveryId == d.Id && t.Status == Tickets.TicketStatuses.Open && t.Category == Tickets.TicketCategories.AcceptanceDispute)
                    .OrderBy(t => t.OpenedAt)
                    .Select(t => t.Id)
                    .ToList(),
            })
            .ToListAsync(cancellationToken);
        var aggregates = new List<DeliveryAggregate>(rows.Count);
        foreach (var row in rows)
        {
            var definition = await DefinitionOf(db, catalog, row.Delivery, cancellationToken);
            aggregates.Add(new DeliveryAggregate(row.Delivery, definition, row.Tasks, row.Timers, [.. row.Disputes.Select(t => t.ToString())]));
        }

        return aggregates;
    }

    private static async Task<ProcessDefinition> DefinitionOf(ServiceDeliveryDbContext db, DefinitionCatalog catalog, DeliveryRecord record, CancellationToken cancellationToken) =>
        await catalog.GetAsync(db, record.DefinitionKey, record.DefinitionVersion, cancellationToken)
            ?? throw new InvalidOperationException($"Delivery {record.Id} runs on {record.DefinitionKey} v{record.DefinitionVersion}, which is not in the database.");

    /// <summary>Runs the delivery on another version of its definition from now on.</summary>
    public void SwitchDefinition(ProcessDefinition definition)
    {
        Definition = definition;
        Record.DefinitionVersion = definition.Version;
    }

    /// <summary>The engine's view of this delivery.</summary>
    public DeliveryState ToState()
    {
        var invoice = InvoiceStatuses.TryParse(Record.InvoiceStatus, out var parsed) ? parsed
            : throw new InvalidOperationException($"Unknown invoice status '{Record.InvoiceStatus}' on delivery {Record.Id}.");
        return new DeliveryState(
            Record.Stage,
            Record.StageEnteredAt,
            Record.ReturnStage,
            invoice,
            Record.PaidAmount,
            [.. OpenTasks.OrderBy(t => t.OpenedAt).Select(t => new OpenTask(ParseRole(t.Role), t.Stage, t.OpenedAt))],
            [.. LiveTimers.OrderBy(t => t.CreatedAt).ThenBy(t => t.Key, StringComparer.Ordinal).Select(ToTimerState)],
            OpenDisputes);
    }

    /// <summary>Writes a decision: the delivery row (with its version bumped), tasks, timers and the log entry.</summary>
    /// <returns>The sequence number of the log entry, if one was written.</returns>
    public int? Apply(ServiceDeliveryDbContext db, Decision decision, DateTimeOffset now)
    {
        var state = decision.State;
        OpenDisputes = state.OpenDisputes;
        Record.Stage = state.Stage;
        Record.StageEnteredAt = state.StageEnteredAt;
        Record.ReturnStage = state.ReturnStage;
        Record.Status = Definition.Stage(state.Stage).Status.ToKey();
        Record.RefundAmount = decision.RefundAmount ?? Record.RefundAmount;
        Record.UpdatedAt = now;
        Record.Version++;

        foreach (var change in decision.Tasks)
        {
            var role = change.Task.Role.ToKey();
            if (change.Opened)
            {
                var task = new TaskRecord
                {
                    Id = Guid.CreateVersion7(now),
                    DeliveryId = Record.Id,
                    Role = role,
                    AssigneeId = change.Task.Role switch
                    {
                        ActorRole.Buyer => Record.BuyerId,
                        ActorRole.Provider => Record.ProviderId,
                        _ => null,
                    },
                    Stage = change.Task.Stage,
                    OpenedAt = change.Task.OpenedAt,
                };
                db.Tasks.Add(task);
                OpenTasks.Add(task);
            }
            else
            {
                var task = OpenTasks.First(t => t.Role == role && t.Stage == change.Task.Stage);
                task.ClosedAt = now;
                OpenTasks.Remove(task);
            }
        }

        foreach (var change in decision.Timers)
        {
            var timer = change.Timer;
            if (change.Kind == TimerChangeKind.Started)
            {
                var record = new TimerRecord
                {
                    Id = Guid.CreateVersion7(now),
                    DeliveryId = Record.Id,
                    Key = timer.Key,
                    Stage = timer.Stage,
                    State = TimerRecord.States.Running,
                    CreatedAt = now,
                };
                Write(record, timer);
                db.Timers.Add(record);
                LiveTimers.Add(record);
                continue;
            }

            var live = LiveTimers.First(t => t.Key == timer.Key);
            switch (change.Kind)
            {
                case TimerChangeKind.Frozen:
                case TimerChangeKind.Resumed:
                    Write(live, timer);
                    break;
                default:
                    live.State = change.Kind == TimerChangeKind.Fired ? TimerRecord.States.Fired : TimerRecord.States.Cancelled;
                    live.EndedAt = now;
                    LiveTimers.Remove(live);
                    break;
            }
        }

        if (decision.Log is not { } log)
        {
            return null;
        }

        Record.LastLogSeq++;
        db.ProcessLog.Add(new LogRecord
        {
            DeliveryId = Record.Id,
            Seq = Record.LastLogSeq,
            At = now,
            ActorId = log.Actor.Id,
            ActorName = log.Actor.Name,
            ActorRole = log.Actor.Role.ToKey(),
            Action = log.Action,
            FromStage = log.FromStage,
            ToStage = log.ToStage,
            Data = new Dictionary<string, string>(log.Data),
            InternalData = new Dictionary<string, string>(log.InternalData),
            AttachmentIds = [.. log.Attachments],
            Timer = log.Timer,
        });
        return Record.LastLogSeq;
    }

    /// <summary>The due time of the running action timer (auto-acceptance), if any.</summary>
    public DateTimeOffset? ActionTimerDue() => ActionTimerDue(Definition, LiveTimers);

    public static DateTimeOffset? ActionTimerDue(ProcessDefinition definition, IEnumerable<TimerRecord> timers) =>
        timers
            .Where(t => t.State == TimerRecord.States.Running && definition.TryGetTimer(t.Key, out var d) && !d.IsReminder)
            .Select(t => t.DueAt)
            .Min();

    public DeliveryView ToView() => ToView(Record, ActionTimerDue());

    public static DeliveryView ToView(DeliveryRecord d, DateTimeOffset? autoAcceptAt) => new(
        d.Id,
        d.OrderId,
        new ProductView(d.ProductId, d.ProductName, d.ProductSpec),
        new PartyView(d.BuyerId, d.BuyerName, d.BuyerEmail),
        new PartyView(d.ProviderId, d.ProviderName, d.ProviderEmail),
        d.PaidAmount,
        d.CouponAmount,
        d.PaidAmount - (d.RefundAmount ?? 0m),
        d.RefundAmount,
        d.Currency,
        d.InvoiceStatus,
        new DefinitionRef(d.DefinitionKey, d.DefinitionVersion),
        d.Stage,
        d.Status,
        d.StageEnteredAt,
        autoAcceptAt,
        d.Version,
        d.CreatedAt,
        d.UpdatedAt);

    private static void Write(TimerRecord record, TimerState timer)
    {
        record.State = timer.IsRunning ? TimerRecord.States.Running : TimerRecord.States.Frozen;
        record.DueAt = timer.DueAt;
        record.Remaining = timer.Remaining;
        record.FrozenBy = (int)timer.FrozenBy;
    }

    private static TimerState ToTimerState(TimerRecord t) => new(t.Key, t.Stage, t.DueAt, t.Remaining, (FreezeReasons)t.FrozenBy);

    private static ActorRole ParseRole(string role) =>
        ActorRoles.TryParse(role, out var parsed) ? parsed : throw new InvalidOperationException($"Unknown role '{role}' in the tasks table.");
}
