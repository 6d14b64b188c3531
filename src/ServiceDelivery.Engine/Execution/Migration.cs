using System.Collections.Immutable;
using System.Globalization;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Engine.Timers;

namespace ServiceDelivery.Engine.Execution;

/// <summary>
/// Moves a running delivery to another version of its definition without moving it in the process: same stage,
/// tasks re-derived from the new stage, clocks kept where the new version still has them (and stopped or restarted
/// when it changes whether an open dispute stops them), clocks it removed cancelled, clocks it added started as if
/// they had run since the stage was entered (one already past its due time fires at once).
/// </summary>
public static class Migration
{
    private static readonly IReadOnlyDictionary<string, string> NoData = ImmutableDictionary<string, string>.Empty;

    /// <summary>Decides a migration from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static Outcome Decide(ProcessDefinition from, ProcessDefinition to, DeliveryState state, Actor actor, string? reason, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(actor);
        var current = from.Stage(state.Stage);
        if (actor.Role != ActorRole.Platform)
        {
            return new Rejection(RejectionCode.ForbiddenAction, state.Stage, current.ActionKeysFor(actor.Role), []);
        }

        if (current.IsTerminal)
        {
            return new Rejection(RejectionCode.InvalidTransition, state.Stage, [], []);
        }

        if (from.Key != to.Key || from.Version == to.Version)
        {
            return Invalid(state, current, actor, FieldErrorCode.OutOfRange);
        }

        if (!to.TryGetStage(state.Stage, out var stage) || (state.ReturnStage is { } back && !to.TryGetStage(back, out _)))
        {
            return Invalid(state, current, actor, FieldErrorCode.InvalidStage);
        }

        var taskChanges = ImmutableArray.CreateBuilder<TaskChange>();
        var tasks = ImmutableArray.CreateBuilder<OpenTask>();
        foreach (var task in state.Tasks)
        {
            if (stage.Assignees.Contains(task.Role))
            {
                tasks.Add(task);
            }
            else
            {
                taskChanges.Add(new TaskChange(false, task));
            }
        }

        foreach (var role in stage.Assignees)
        {
            if (!state.Tasks.Any(t => t.Role == role))
            {
                var task = new OpenTask(role, stage.Key, now);
                tasks.Add(task);
                taskChanges.Add(new TaskChange(true, task));
            }
        }

        var timerChanges = ImmutableArray.CreateBuilder<TimerChange>();
        var timers = ImmutableArray.CreateBuilder<TimerState>();
        foreach (var timer in state.Timers)
        {
            if (!to.TryGetTimer(timer.Key, out var kept) || kept.Stage != timer.Stage)
            {
                timerChanges.Add(new TimerChange(TimerChangeKind.Cancelled, timer));
                continue;
            }

            // The new version may stop this clock during a dispute, or no longer: follow it from now on.
            var disputeFreezes = (kept.FreezeWhile & state.ActiveConditions) != 0;
            var frozenByDispute = (timer.FrozenBy & FreezeReasons.Dispute) != 0;
            var followed = disputeFreezes && !frozenByDispute ? timer.Freeze(FreezeReasons.Dispute, now)
                : !disputeFreezes && frozenByDispute ? timer.Thaw(FreezeReasons.Dispute, now)
                : timer;
            if (followed != timer)
            {
                timerChanges.Add(new TimerChange(followed.IsRunning ? TimerChangeKind.Resumed : TimerChangeKind.Frozen, followed));
            }

            timers.Add(followed);
        }

        foreach (var added in stage.Timers.Where(t => state.Timer(t.Key) is null))
        {
            // As if it had run since the stage was entered: one already past its due time fires at once.
            var due = state.StageEnteredAt + added.OffsetFromEntry;
            var timer = (added.FreezeWhile & state.ActiveConditions) != 0
                ? new TimerState(added.Key, stage.Key, null, due > now ? due - now : TimeSpan.Zero, FreezeReasons.Dispute)
                : TimerState.Running(added.Key, stage.Key, due);
            timers.Add(timer);
            timerChanges.Add(new TimerChange(TimerChangeKind.Started, timer));
        }

        // Paused: clocks the new version adds to the stage we will return to wait, frozen, with their full time.
        if (state.ReturnStage is { } returnKey && to.TryGetStage(returnKey, out var returnStage))
        {
            foreach (var added in returnStage.Timers.Where(t => state.Timer(t.Key) is null))
            {
                var reasons = FreezeReasons.Paused | ((added.FreezeWhile & state.ActiveConditions) != 0 ? FreezeReasons.Dispute : FreezeReasons.None);
                var timer = new TimerState(added.Key, returnStage.Key, null, added.OffsetFromEntry, reasons);
                timers.Add(timer);
                timerChanges.Add(new TimerChange(TimerChangeKind.Started, timer));
            }
        }

        var data = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["fromVersion"] = from.Version.ToString(CultureInfo.InvariantCulture),
            ["toVersion"] = to.Version.ToString(CultureInfo.InvariantCulture),
        };
        if (!string.IsNullOrWhiteSpace(reason))
        {
            data["reason"] = reason;
        }

        var next = state with { Tasks = tasks.ToImmutable(), Timers = timers.ToImmutable() };
        var log = new LogEntry("admin_migrate", actor, state.Stage, state.Stage, data, NoData, [], null);
        return new Decision(next, state.Stage, false, taskChanges.ToImmutable(), timerChanges.ToImmutable(), log, [], null);
    }

    private static Rejection Invalid(DeliveryState state, StageDefinition stage, Actor actor, FieldErrorCode code) =>
        new(RejectionCode.ValidationFailed, state.Stage, stage.ActionKeysFor(actor.Role), [new FieldError("toVersion", code)]);
}
