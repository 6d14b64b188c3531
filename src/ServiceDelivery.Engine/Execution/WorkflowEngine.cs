using System.Collections.Immutable;
using System.Globalization;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Engine.Timers;

namespace ServiceDelivery.Engine.Execution;

/// <summary>
/// The functional core: given a definition, a delivery's state, a command and the current time, decide what
/// happens. Pure: no I/O, no clock, no randomness; the same inputs always give the same outcome.
/// </summary>
public static class WorkflowEngine
{
    /// <summary>Log action: an acceptance dispute stopped the stage's clock (data: timer, remaining, ticketId).</summary>
    public const string ClockFrozen = "clock_frozen";

    /// <summary>Log action: the last open dispute was resolved and the clock runs again (data: timer, dueAt, ticketId).</summary>
    public const string ClockResumed = "clock_resumed";

    private static readonly IReadOnlyDictionary<string, string> NoData = ImmutableDictionary<string, string>.Empty;

    /// <summary>Decides a command.</summary>
    /// <param name="definition">The definition the delivery runs on.</param>
    /// <param name="state">The delivery's state; null only for <see cref="StartDelivery"/>.</param>
    /// <param name="command">The stimulus.</param>
    /// <param name="now">The current time (from the caller's clock).</param>
    public static Outcome Decide(ProcessDefinition definition, DeliveryState? state, Command command, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(command);
        if (command is StartDelivery start)
        {
            return state is null ? Start(definition, start, now) : Reject(RejectionCode.InvalidTransition, definition, state, start.Actor.Role);
        }

        ArgumentNullException.ThrowIfNull(state);
        return command switch
        {
            PerformAction perform => Perform(definition, state, perform, now),
            FireTimer fire => Fire(definition, state, fire, now),
            OpenDispute open => Open(definition, state, open, now),
            ResolveDispute resolve => Resolve(definition, state, resolve, now),
            Intervene intervene => Intervention(definition, state, intervene, now),
            _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "Unknown command."),
        };
    }

    /// <summary>The actions <paramref name="role"/> may perform now (empty when paused for parties, or terminal).</summary>
    public static ImmutableArray<ActionDefinition> AvailableActions(ProcessDefinition definition, DeliveryState state, ActorRole role)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(state);
        return definition.Stage(state.Stage).ActionsFor(role);
    }

    private static Outcome Start(ProcessDefinition definition, StartDelivery command, DateTimeOffset now)
    {
        if (command.Actor.Role != ActorRole.Marketplace)
        {
            return new Rejection(RejectionCode.ForbiddenAction, string.Empty, [], []);
        }

        var stage = definition.InitialStage;
        var timers = new Buffer<TimerState>(stage.Timers.Length);
        var timerChanges = new Buffer<TimerChange>(stage.Timers.Length);
        StartTimers(stage, FreezeConditions.None, now, ref timers, ref timerChanges);
        var tasks = new Buffer<OpenTask>(stage.Assignees.Length);
        var taskChanges = new Buffer<TaskChange>(stage.Assignees.Length);
        OpenTasks(stage, now, ref tasks, ref taskChanges);
        var state = new DeliveryState(stage.Key, now, null, command.Invoice, command.PaidAmount, tasks.ToImmutable(), timers.ToImmutable(), []);
        var log = new LogEntry(LogActions.Start, command.Actor, null, stage.Key, NoData, NoData, [], null);
        return new Decision(state, null, true, taskChanges.ToImmutable(), timerChanges.ToImmutable(), log, Concat(definition.OnStart, stage.OnEnter), null);
    }

    private static Outcome Perform(ProcessDefinition definition, DeliveryState state, PerformAction command, DateTimeOffset now)
    {
        var role = command.Actor.Role;
        var stage = definition.Stage(state.Stage);
        if (!definition.TryGetAction(command.Action, out var action))
        {
            return Reject(RejectionCode.InvalidTransition, stage, state, role);
        }

        if (stage.IsTerminal)
        {
            // Nothing happens any more; but a refund asked for after completion still gets its advice (open a ticket).
            return Reject(action.Roles.Contains(role) ? action.Elsewhere : RejectionCode.InvalidTransition, stage, state, role);
        }

        if (!action.Roles.Contains(role))
        {
            return Reject(RejectionCode.ForbiddenAction, stage, state, role);
        }

        if (!stage.Offers(action.Key))
        {
            return Reject(stage.IsPaused ? RejectionCode.DeliveryPaused : action.Elsewhere, stage, state, role);
        }

        var errors = ValidateForm(action.Form, command.Form);
        if (!errors.IsEmpty)
        {
            return new Rejection(RejectionCode.ValidationFailed, stage.Key, stage.ActionKeysFor(role), errors);
        }

        return (Outcome?)CheckGuards(action, stage, state, role)
            ?? Transition(definition, state, stage, action.Target, now, new Step(command.Actor, action.Key, action.Form, command.Form, action.Notify));
    }

    private static Outcome Fire(ProcessDefinition definition, DeliveryState state, FireTimer command, DateTimeOffset now)
    {
        var stage = definition.Stage(state.Stage);
        var timer = state.Timer(command.Timer);
        if (timer is null || !timer.IsRunning || timer.DueAt > now || timer.Stage != stage.Key || !definition.TryGetTimer(timer.Key, out var timerDefinition))
        {
            // Stale: cancelled, frozen, not yet due, or left behind by a migration. Nothing to do.
            return Reject(RejectionCode.InvalidTransition, stage, state, ActorRole.System);
        }

        var fired = new TimerChange(TimerChangeKind.Fired, timer);
        var remaining = Remove(state.Timers, timer);
        if (timerDefinition.IsReminder)
        {
            // After an outage a reminder can come due together with (or after) its timer: it then has nothing left to remind of.
            var moot = state.Timer(timerDefinition.Remind!) is not { IsRunning: true } target || target.DueAt <= now;
            return new Decision(state with { Timers = remaining }, state.Stage, false, [], [fired], null, moot ? [] : timerDefinition.Notify, null);
        }

        definition.TryGetAction(timerDefinition.Perform!, out var action);
        var blocked = CheckGuards(action, stage, state, ActorRole.System);
        if (blocked is not null)
        {
            return blocked;
        }

        var notify = timerDefinition.Notify.IsEmpty ? action.Notify : timerDefinition.Notify;
        return Transition(definition, state with { Timers = remaining }, stage, action.Target, now, new Step(Actor.System, action.Key, action.Form, FormData.Empty, notify) { FiredTimer = timer.Key }, [fired]);
    }

    private static Decision Open(ProcessDefinition definition, DeliveryState state, OpenDispute command, DateTimeOffset now)
    {
        if (state.OpenDisputes.Contains(command.TicketId))
        {
            return Unchanged(state);
        }

        var changes = ImmutableArray.CreateBuilder<TimerChange>();
        var timers = state.Timers;
        if (state.OpenDisputes.IsEmpty)
        {
            timers = Rewrite(definition, state.Timers, t => t.Freeze(FreezeReasons.Dispute, now), changes);
        }

        var next = state with { Timers = timers, OpenDisputes = state.OpenDisputes.Add(command.TicketId) };
        return new Decision(next, state.Stage, false, [], changes.ToImmutable(), ClockLog(definition, state, changes, command.Actor, command.TicketId, frozen: true), [], null);
    }

    private static Decision Resolve(ProcessDefinition definition, DeliveryState state, ResolveDispute command, DateTimeOffset now)
    {
        if (!state.OpenDisputes.Contains(command.TicketId))
        {
            return Unchanged(state);
        }

        var disputes = state.OpenDisputes.Remove(command.TicketId);
        var changes = ImmutableArray.CreateBuilder<TimerChange>();
        var timers = state.Timers;
        if (disputes.IsEmpty)
        {
            timers = Rewrite(definition, state.Timers, t => t.Thaw(FreezeReasons.Dispute, now), changes);
        }

        var next = state with { Timers = timers, OpenDisputes = disputes };
        return new Decision(next, state.Stage, false, [], changes.ToImmutable(), ClockLog(definition, state, changes, command.Actor, command.TicketId, frozen: false), [], null);
    }

    /// <summary>
    /// The log line for a stopped or restarted action clock (the auto-acceptance): a deadline never moves without a
    /// line that says why. Reminders keep step with their clock and need none of their own.
    /// </summary>
    private static LogEntry? ClockLog(ProcessDefinition definition, DeliveryState state, ImmutableArray<TimerChange>.Builder changes, Actor actor, string ticketId, bool frozen)
    {
        TimerChange? clock = null;
        foreach (var change in changes)
        {
            if (definition.TryGetTimer(change.Timer.Key, out var timer) && !timer.IsReminder)
            {
                clock = change;
                break;
            }
        }

        if (clock is not { } changed)
        {
            return null;
        }

        var data = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["timer"] = changed.Timer.Key,
            ["ticketId"] = ticketId,
        };
        if (changed.Timer.IsRunning)
        {
            data["dueAt"] = changed.Timer.DueAt!.Value.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        }
        else
        {
            data["remaining"] = IsoDuration.Format(changed.Timer.Remaining!.Value);
        }

        return new LogEntry(frozen ? ClockFrozen : ClockResumed, actor, state.Stage, state.Stage, data, NoData, [], null);
    }

    private static Outcome Intervention(ProcessDefinition definition, DeliveryState state, Intervene command, DateTimeOffset now)
    {
        var stage = definition.Stage(state.Stage);
        if (command.Actor.Role != ActorRole.Platform)
        {
            return Reject(RejectionCode.ForbiddenAction, stage, state, command.Actor.Role);
        }

        if (stage.IsTerminal || !definition.Interventions.TryGetValue(command.Kind, out var intervention))
        {
            return Reject(RejectionCode.InvalidTransition, stage, state, command.Actor.Role);
        }

        var errors = ValidateForm(intervention.Form, command.Form).ToBuilder();
        var target = intervention.Target;
        if (command.Kind == InterventionKind.Move)
        {
            target = command.ToStage;
            if (string.IsNullOrEmpty(target))
            {
                errors.Add(new FieldError("toStage", FieldErrorCode.Required));
            }
            else if (!definition.TryGetStage(target, out _) || target == stage.Key)
            {
                errors.Add(new FieldError("toStage", FieldErrorCode.InvalidStage));
            }
        }

        var extra = new Dictionary<string, string>(StringComparer.Ordinal);
        decimal? refund = null;
        if (command.Kind == InterventionKind.Refund)
        {
            refund = command.Amount ?? state.PaidAmount;
            if (refund <= 0m || refund > state.PaidAmount)
            {
                errors.Add(new FieldError("amount", FieldErrorCode.OutOfRange));
            }

            extra["amount"] = refund.Value.ToString(CultureInfo.InvariantCulture);
        }

        if (errors.Count > 0)
        {
            return new Rejection(RejectionCode.ValidationFailed, stage.Key, stage.ActionKeysFor(command.Actor.Role), errors.ToImmutable());
        }

        // Money goes back however the platform decides it (a refund, a ticket's refund outcome, a move to a refunded
        // stage): PRODUCT.md's invoice rule for approving a refund holds for all of them.
        if (definition.Stage(target!).Status == StageStatus.Refunded && state.Invoice is not (InvoiceStatus.None or InvoiceStatus.Returned))
        {
            return new Rejection(RejectionCode.InvoiceBlocksRefund, stage.Key, stage.ActionKeysFor(command.Actor.Role), [], Guard.InvoiceNoneOrReturned);
        }

        return Transition(definition, state, stage, target!, now, new Step(command.Actor, intervention.LogAction, intervention.Form, command.Form, intervention.Notify) { ExtraData = extra, RefundAmount = refund });
    }

    /// <summary>What moves a delivery on: who did which step with what input, and what it announces.</summary>
    private sealed record Step(Actor Actor, string LogAction, FormDefinition? Form, FormData Input, ImmutableArray<NotificationRule> Notify)
    {
        /// <summary>Data the service adds to the form's (an intervention's amount).</summary>
        public IReadOnlyDictionary<string, string> ExtraData { get; init; } = NoData;

        /// <summary>The timer whose firing this is.</summary>
        public string? FiredTimer { get; init; }

        /// <summary>A refund's amount (default: the paid amount when the step ends in a refund).</summary>
        public decimal? RefundAmount { get; init; }
    }

    private static Decision Transition(
        ProcessDefinition definition,
        DeliveryState state,
        StageDefinition from,
        string target,
        DateTimeOffset now,
        Step step,
        ImmutableArray<TimerChange> firstChanges = default)
    {
        firstChanges = firstChanges.IsDefault ? [] : firstChanges;
        var (data, internalData) = SplitData(step.Form, step.Input.Fields, step.ExtraData);
        if (target == ActionDefinition.Stay)
        {
            var log = new LogEntry(step.LogAction, step.Actor, from.Key, from.Key, data, internalData, step.Input.Attachments, step.FiredTimer);
            return new Decision(state, from.Key, false, [], firstChanges, log, step.Notify, null);
        }

        var to = definition.Stage(target == ActionDefinition.Return ? state.ReturnStage ?? from.Key : target);
        var changes = new Buffer<TimerChange>(firstChanges.Length + state.Timers.Length + to.Timers.Length);
        changes.AddRange(firstChanges);
        var timers = new Buffer<TimerState>(state.Timers.Length + to.Timers.Length);
        string? returnStage = null;
        var resumed = false;

        if (to.IsPaused && !from.IsPaused)
        {
            // Pausing: the clocks of the stage we leave stand still until we come back.
            foreach (var timer in state.Timers)
            {
                var frozen = timer.Freeze(FreezeReasons.Paused, now);
                changes.Add(new TimerChange(TimerChangeKind.Frozen, frozen));
                timers.Add(frozen);
            }

            returnStage = from.Key;
        }
        else if (from.IsPaused && !to.IsPaused && to.Key == state.ReturnStage)
        {
            // Returning: the paused stage's own clocks end, the frozen ones run on with their remaining time.
            foreach (var timer in state.Timers)
            {
                if (timer.Stage == from.Key)
                {
                    changes.Add(new TimerChange(TimerChangeKind.Cancelled, timer));
                    continue;
                }

                var thawed = timer.Thaw(FreezeReasons.Paused, now);
                changes.Add(new TimerChange(thawed.IsRunning ? TimerChangeKind.Resumed : TimerChangeKind.Frozen, thawed));
                timers.Add(thawed);
            }

            resumed = true;
        }
        else if (from.IsPaused && to.IsPaused)
        {
            foreach (var timer in state.Timers)
            {
                if (timer.Stage == from.Key)
                {
                    changes.Add(new TimerChange(TimerChangeKind.Cancelled, timer));
                }
                else
                {
                    timers.Add(timer);
                }
            }

            returnStage = state.ReturnStage;
        }
        else
        {
            foreach (var timer in state.Timers)
            {
                changes.Add(new TimerChange(TimerChangeKind.Cancelled, timer));
            }
        }

        if (!resumed)
        {
            StartTimers(to, state.ActiveConditions, now, ref timers, ref changes);
        }

        var tasks = new Buffer<OpenTask>(to.Assignees.Length);
        var taskChanges = new Buffer<TaskChange>(state.Tasks.Length + to.Assignees.Length);
        foreach (var task in state.Tasks)
        {
            taskChanges.Add(new TaskChange(false, task));
        }

        OpenTasks(to, now, ref tasks, ref taskChanges);
        var next = state with
        {
            Stage = to.Key,
            StageEnteredAt = now,
            ReturnStage = returnStage,
            Tasks = tasks.ToImmutable(),
            Timers = timers.ToImmutable(),
        };
        var entry = new LogEntry(step.LogAction, step.Actor, from.Key, to.Key, data, internalData, step.Input.Attachments, step.FiredTimer);
        var refundAmount = step.RefundAmount;
        if (to.Status == StageStatus.Refunded)
        {
            refundAmount ??= state.PaidAmount;
        }

        return new Decision(next, from.Key, true, taskChanges.ToImmutable(), changes.ToImmutable(), entry, Concat(step.Notify, to.OnEnter), refundAmount);
    }

    private static void StartTimers(StageDefinition stage, FreezeConditions conditions, DateTimeOffset now, ref Buffer<TimerState> timers, ref Buffer<TimerChange> changes)
    {
        foreach (var definition in stage.Timers)
        {
            // A clock whose freeze condition already holds (a dispute opened earlier) starts frozen.
            var timer = (definition.FreezeWhile & conditions) != 0
                ? new TimerState(definition.Key, stage.Key, null, definition.OffsetFromEntry, FreezeReasons.Dispute)
                : TimerState.Running(definition.Key, stage.Key, now + definition.OffsetFromEntry);
            timers.Add(timer);
            changes.Add(new TimerChange(TimerChangeKind.Started, timer));
        }
    }

    private static void OpenTasks(StageDefinition stage, DateTimeOffset now, ref Buffer<OpenTask> tasks, ref Buffer<TaskChange> changes)
    {
        foreach (var role in stage.Assignees)
        {
            var task = new OpenTask(role, stage.Key, now);
            tasks.Add(task);
            changes.Add(new TaskChange(true, task));
        }
    }

    private static ImmutableArray<TimerState> Rewrite(ProcessDefinition definition, ImmutableArray<TimerState> timers, Func<TimerState, TimerState> change, ImmutableArray<TimerChange>.Builder changes)
    {
        var result = ImmutableArray.CreateBuilder<TimerState>(timers.Length);
        foreach (var timer in timers)
        {
            var freezes = definition.TryGetTimer(timer.Key, out var timerDefinition) && (timerDefinition.FreezeWhile & FreezeConditions.DisputeOpen) != 0;
            var next = freezes ? change(timer) : timer;
            if (next != timer)
            {
                changes.Add(new TimerChange(next.IsRunning ? TimerChangeKind.Resumed : TimerChangeKind.Frozen, next));
            }

            result.Add(next);
        }

        return result.MoveToImmutable();
    }

    private static Rejection? CheckGuards(ActionDefinition action, StageDefinition stage, DeliveryState state, ActorRole role)
    {
        return BlockingGuard(action, state.Invoice) is { } guard
            ? new Rejection(RejectionCode.InvoiceBlocksRefund, stage.Key, stage.ActionKeysFor(role), [], guard)
            : null;
    }

    /// <summary>The first of the action's guards that does not hold for this invoice status (pages say so instead of offering the action).</summary>
    public static Guard? BlockingGuard(ActionDefinition action, InvoiceStatus invoice)
    {
        ArgumentNullException.ThrowIfNull(action);
        foreach (var guard in action.Guards)
        {
            var holds = guard switch
            {
                Guard.InvoiceNotRequested => invoice != InvoiceStatus.Requested,
                Guard.InvoiceNoneOrReturned => invoice is InvoiceStatus.None or InvoiceStatus.Returned,
                _ => false,
            };

            if (!holds)
            {
                return guard;
            }
        }

        return null;
    }

    /// <summary>Checks field values and attachments against a form; empty when valid.</summary>
    internal static ImmutableArray<FieldError> ValidateForm(FormDefinition? form, FormData input)
    {
        ImmutableArray<FieldError>.Builder? errors = null;
        void Add(FieldError error) => (errors ??= ImmutableArray.CreateBuilder<FieldError>()).Add(error);

        var known = 0;
        foreach (var field in form?.Fields ?? [])
        {
            var present = input.Fields.TryGetValue(field.Key, out var value);
            known += present ? 1 : 0;
            if (!present || string.IsNullOrWhiteSpace(value) || (field.Required && field.Type == FieldType.Boolean && value == "false"))
            {
                // Blank is the same as absent; a required box must be ticked.
                if (field.Required)
                {
                    Add(new FieldError(field.Key, FieldErrorCode.Required));
                }
            }
            else if (FieldValues.Check(field, value) is { } error)
            {
                Add(error);
            }
        }

        // Only when some key is not a form field do we walk the input (the common path allocates nothing here).
        if (known != input.Fields.Count)
        {
            foreach (var key in input.Fields.Keys)
            {
                if (form?.Field(key) is null)
                {
                    Add(new FieldError(key, FieldErrorCode.UnknownField));
                }
            }
        }

        var max = form?.MaxAttachments ?? 0;
        if (input.Attachments.Length > max)
        {
            Add(new FieldError("attachmentIds", FieldErrorCode.TooManyAttachments, max));
        }
        else if (input.Attachments.Length > 1 && input.Attachments.Distinct().Count() != input.Attachments.Length)
        {
            Add(new FieldError("attachmentIds", FieldErrorCode.DuplicateAttachment));
        }

        return errors?.ToImmutable() ?? [];
    }

    private static (IReadOnlyDictionary<string, string> Data, IReadOnlyDictionary<string, string> Internal) SplitData(
        FormDefinition? form, IReadOnlyDictionary<string, string> fields, IReadOnlyDictionary<string, string> extra)
    {
        // The common case (no internal fields, nothing added) keeps the caller's dictionary: no copy.
        if ((form is null || !form.HasInternalFields) && extra.Count == 0)
        {
            return (fields, NoData);
        }

        var data = new Dictionary<string, string>(extra, StringComparer.Ordinal);
        Dictionary<string, string>? internalData = null;
        foreach (var (key, value) in fields)
        {
            if (form?.Field(key) is { IsInternal: true })
            {
                (internalData ??= new Dictionary<string, string>(StringComparer.Ordinal))[key] = value;
            }
            else
            {
                data[key] = value;
            }
        }

        return (data, internalData ?? NoData);
    }

    private static ImmutableArray<TimerState> Remove(ImmutableArray<TimerState> timers, TimerState timer) => timers.Remove(timer);

    private static ImmutableArray<NotificationRule> Concat(ImmutableArray<NotificationRule> first, ImmutableArray<NotificationRule> second) =>
        second.IsEmpty ? first : first.IsEmpty ? second : first.AddRange(second);

    private static Decision Unchanged(DeliveryState state) => new(state, state.Stage, false, [], [], null, [], null);

    private static Rejection Reject(RejectionCode code, ProcessDefinition definition, DeliveryState state, ActorRole role) =>
        Reject(code, definition.Stage(state.Stage), state, role);

    private static Rejection Reject(RejectionCode code, StageDefinition stage, DeliveryState state, ActorRole role) =>
        new(code, state.Stage, stage.ActionKeysFor(role), []);
}
