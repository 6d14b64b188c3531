using System.Collections.Concurrent;
using Hangfire;
using ServiceDelivery.Application.Timers;

namespace ServiceDelivery.Infrastructure.Jobs;

/// <summary>
/// Schedules a timer sweep at each due time so timers fire within seconds, not at the next minute. Due times
/// are rounded up to <see cref="Bucket"/> and each bucket is scheduled once per process, so a thousand timers due
/// together cost one job.
/// </summary>
public sealed class HangfireTimerScheduler(IBackgroundJobClient jobs, TimeProvider clock) : ITimerScheduler
{
    public static readonly TimeSpan Bucket = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<long, byte> _scheduled = new();

    public void WakeAt(IEnumerable<DateTimeOffset> dueTimes)
    {
        ArgumentNullException.ThrowIfNull(dueTimes);
        var now = clock.GetUtcNow();
        foreach (var due in dueTimes)
        {
            var bucket = (due.UtcTicks + Bucket.Ticks - 1) / Bucket.Ticks;
            if (!_scheduled.TryAdd(bucket, 0))
            {
                continue;
            }

            var delay = new DateTimeOffset(bucket * Bucket.Ticks, TimeSpan.Zero) - now;
            jobs.Schedule<TimerJobs>(j => j.FireDueTimersAsync(CancellationToken.None), delay < TimeSpan.Zero ? TimeSpan.Zero : delay);
        }

        // Forget buckets in the past so the set stays small on a long-running host.
        var current = now.UtcTicks / Bucket.Ticks;
        foreach (var old in _scheduled.Keys.Where(k => k < current))
        {
            _scheduled.TryRemove(old, out _);
        }
    }
}
