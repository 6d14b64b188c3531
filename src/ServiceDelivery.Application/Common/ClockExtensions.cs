namespace ServiceDelivery.Application.Common;

public static class ClockExtensions
{
    /// <summary>
    /// Now, truncated to whole microseconds: PostgreSQL keeps microseconds, so every time and remaining
    /// duration the engine derives from it survives a round trip exactly.
    /// </summary>
    public static DateTimeOffset Now(this TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        var now = clock.GetUtcNow();
        return new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);
    }
}
