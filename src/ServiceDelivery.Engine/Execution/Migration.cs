using System.Collections.Immutable;
using System.Globalization;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Engine.Timers;

namespace ServiceDelivery.Engine.Execution;

/// <summary>
/// Moves a running delivery to another version of its definition without moving it in the process: same stage,
/// tasks re-derived from the new stage, clocks kept where the new version still has them (and stopped or restarted
/// when it changes whether an open dispute stops them), clocks it removed cancelled, clocks it added started as if
/// they had run since the stage was entered (one already past its due time fires at once). A delivery whose stage the
/// new version no longer has can only move with a mapping to one of its stages: it enters that stage as if moved there
/// (new tasks, the stage's clocks from now).
/// </summary>
public static class Migration
{
    private static readonly IReadOnlyDictionary<string, string> NoData = ImmutableDictionary<string, string>.Empty;

    /// <summary>
    /// Decides a migration from <paramref name="from"/> to <paramref name="to"/>; <paramref name="mapTo"/> is where a
    /// delivery goes when its stage is gone in <paramref name="to"/> (ignored otherwise).
    /// </summary>
    public static Outcome Decide(ProcessDefinition from, ProcessDefinition to, DeliveryState state, Actor actor, string? reason, DateTimeOffset now, string? mapTo = null)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(actor);
        var current = from.Stage(state.Stage);
        var original = state;
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

        var mappedFrom = default(string);
        if (!to.TryGetStage(state.Stage, out var stage))
        {
            // Gone in the new version: only with a mapping to a running stage of it, and not while paused (the stage to
            // return to is the old version's).
            if (mapTo is null || !to.TryGetStage(mapTo, out stage) || stage.IsTerminal || state.ReturnStage is not null)
            {
                return Invalid(state, current, actor, FieldErrorCode.InvalidStage);
            }

            mappedFrom = state.Stage;
            state = state with { Stage = stage.Key, StageEnteredAt = now, Tasks = [] };
        }
        else if (state.ReturnStage is { } back && !to.TryGetStage(back, out _))
        {
            return Invalid(state, current, actor, FieldErrorCode.InvalidStage);
        }

        // The tasks of a mapped delivery's old stage end (the state above no longer has them): say so.
        var taskChanges = ImmutableArray.CreateBuilder<TaskChange>();
        if (mappedFrom is not null)
        {
            taskChanges.AddRange(original.Tasks.Select(t => new TaskChange(false, t)));
        }

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

        if (mappedFrom is not null)
        {
            data["mappedFrom"] = mappedFrom;
        }

        var next = state with { Tasks = tasks.ToImmutable(), Timers = timers.ToImmutable() };
        var log = new LogEntry("admin_migrate", actor, original.Stage, next.Stage, data, NoData, [], null);
        return new Decision(next, original.Stage, mappedFrom is not null, taskChanges.ToImmutable(), timerChanges.ToImmutable(), log, [], null);
    }

    private static Rejection Invalid(DeliveryState state, StageDefinition stage, Actor actor, FieldErrorCode code) =>
        new(RejectionCode.ValidationFailed, state.Stage, stage.ActionKeysFor(actor.Role), [new FieldError("toVersion", code)]);
}
