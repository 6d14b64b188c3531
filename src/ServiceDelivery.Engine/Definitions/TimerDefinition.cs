using System.Collections.Immutable;

namespace ServiceDelivery.Engine.Definitions;

/// <summary>
/// A durable clock started when its stage is entered: either the system performs an action after a duration
/// (auto-acceptance), or a reminder fires a while before such a timer.
/// </summary>
public sealed class TimerDefinition
{
    internal TimerDefinition(string key, string stage, TimeSpan after, string? perform, string? remind, TimeSpan before, FreezeConditions freezeWhile, ImmutableArray<NotificationRule> notify)
    {
        Key = key;
        Stage = stage;
        After = after;
        Perform = perform;
        Remind = remind;
        Before = before;
        FreezeWhile = freezeWhile;
        Notify = notify;
    }

    /// <summary>Timer key, unique across the definition.</summary>
    public string Key { get; }

    /// <summary>Key of the stage that owns it.</summary>
    public string Stage { get; }

    /// <summary>True for a reminder (notifies only), false for an action timer.</summary>
    public bool IsReminder => Remind is not null;

    /// <summary>For action timers: the duration from stage entry.</summary>
    public TimeSpan After { get; }

    /// <summary>For action timers: the action the system performs.</summary>
    public string? Perform { get; }

    /// <summary>For reminders: the key of the action timer it precedes.</summary>
    public string? Remind { get; }

    /// <summary>For reminders: how long before that timer it fires.</summary>
    public TimeSpan Before { get; }

    /// <summary>Conditions that stop the clock (reminders carry their timer's conditions).</summary>
    public FreezeConditions FreezeWhile { get; internal set; }

    /// <summary>Notifications when it fires.</summary>
    public ImmutableArray<NotificationRule> Notify { get; }

    /// <summary>The time from stage entry to firing.</summary>
    public TimeSpan OffsetFromEntry { get; internal set; }

    /// <inheritdoc />
    public override string ToString() => Key;
}

/// <summary>Conditions from the engine's catalog during which a clock stands still.</summary>
[Flags]
public enum FreezeConditions
{
    /// <summary>The clock always runs.</summary>
    None = 0,

    /// <summary>An acceptance dispute (ticket) is open on the delivery.</summary>
    DisputeOpen = 1,
}
