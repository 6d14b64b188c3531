namespace ServiceDelivery.Engine.Timers;

/// <summary>What happens to a timer row.</summary>
public enum TimerChangeKind
{
    /// <summary>A new timer (running or already frozen).</summary>
    Started,

    /// <summary>The clock stopped; the remaining time is kept.</summary>
    Frozen,

    /// <summary>The clock runs again with a new due time.</summary>
    Resumed,

    /// <summary>The timer will never fire (its stage was left).</summary>
    Cancelled,

    /// <summary>The timer fired.</summary>
    Fired,
}

/// <summary>A change to one timer, for the runtime to write.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Timer">The timer after the change (for cancelled and fired: as it was).</param>
public readonly record struct TimerChange(TimerChangeKind Kind, TimerState Timer);
