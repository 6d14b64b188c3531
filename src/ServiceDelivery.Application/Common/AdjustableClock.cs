namespace ServiceDelivery.Application.Common;

/// <summary>
/// A clock that can be moved forward: the development clock (<c>Dev:ClockControl</c>) and the tests' clock.
/// Flowing mode follows real time plus the accumulated advance; frozen mode stands still between advances.
/// </summary>
public sealed class AdjustableClock : TimeProvider
{
    private readonly DateTimeOffset? _frozenAt;
    private long _offsetTicks;

    private AdjustableClock(DateTimeOffset? frozenAt) => _frozenAt = frozenAt;

    /// <summary>Real time plus whatever was advanced.</summary>
    public static AdjustableClock Flowing() => new(null);

    /// <summary>Stands at <paramref name="start"/> until advanced.</summary>
    public static AdjustableClock FrozenAt(DateTimeOffset start) => new(start.ToUniversalTime());

    /// <summary>How far the clock was moved ahead of its base.</summary>
    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => (_frozenAt ?? System.GetUtcNow()) + Offset;

    /// <summary>Moves the clock to <paramref name="offset"/> past its base, unless it is already further (never back).</summary>
    public void CatchUp(TimeSpan offset)
    {
        var current = Interlocked.Read(ref _offsetTicks);
        while (offset.Ticks > current)
        {
            var seen = Interlocked.CompareExchange(ref _offsetTicks, offset.Ticks, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>Moves the clock forward.</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        Interlocked.Add(ref _offsetTicks, by.Ticks);
    }
}
