namespace ServiceDelivery.Engine.Timers;

/// <summary>
/// A live timer of a delivery. Running: <see cref="DueAt"/> is set. Frozen: <see cref="Remaining"/> keeps the
/// time left when it stopped, and <see cref="FrozenBy"/> says why.
/// </summary>
/// <param name="Key">Timer key from the definition.</param>
/// <param name="Stage">Stage that owns it.</param>
/// <param name="DueAt">When it fires, while running.</param>
/// <param name="Remaining">Time left, while frozen.</param>
/// <param name="FrozenBy">Why it is frozen; <see cref="FreezeReasons.None"/> while running.</param>
public sealed record TimerState(string Key, string Stage, DateTimeOffset? DueAt, TimeSpan? Remaining, FreezeReasons FrozenBy)
{
    /// <summary>True while the clock runs.</summary>
    public bool IsRunning => FrozenBy == FreezeReasons.None;

    /// <summary>A running timer.</summary>
    public static TimerState Running(string key, string stage, DateTimeOffset dueAt) => new(key, stage, dueAt, null, FreezeReasons.None);

    /// <summary>This timer frozen for <paramref name="reason"/> at <paramref name="now"/> (no change when already frozen for it).</summary>
    public TimerState Freeze(FreezeReasons reason, DateTimeOffset now)
    {
        if (IsRunning)
        {
            var left = DueAt!.Value - now;
            return new TimerState(Key, Stage, null, left < TimeSpan.Zero ? TimeSpan.Zero : left, reason);
        }

        return this with { FrozenBy = FrozenBy | reason };
    }

    /// <summary>This timer with <paramref name="reason"/> lifted; it runs again from <paramref name="now"/> when no reason remains.</summary>
    public TimerState Thaw(FreezeReasons reason, DateTimeOffset now)
    {
        var rest = FrozenBy & ~reason;
        return rest == FreezeReasons.None
            ? new TimerState(Key, Stage, now + Remaining!.Value, null, FreezeReasons.None)
            : this with { FrozenBy = rest };
    }
}

/// <summary>Why a timer is frozen.</summary>
[Flags]
public enum FreezeReasons
{
    /// <summary>Running.</summary>
    None = 0,

    /// <summary>The delivery is paused in another stage (refund review).</summary>
    Paused = 1,

    /// <summary>An acceptance dispute is open.</summary>
    Dispute = 2,
}
