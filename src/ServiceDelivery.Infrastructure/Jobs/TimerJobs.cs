using Hangfire;
using ServiceDelivery.Application.Timers;

namespace ServiceDelivery.Infrastructure.Jobs;

/// <summary>
/// The Hangfire side of timers: the minute sweep that fires whatever is due, in case a host's firer loop is stopped
/// or wedged. No arguments, safe to run twice or on many hosts at once (the firer claims rows with SKIP LOCKED); a
/// failed run is not retried because the next sweep runs the same job anyway.
/// </summary>
public sealed class TimerJobs(TimerFirer firer)
{
    public const string SweepJobId = "timers-sweep";

    /// <summary>Upper bound per run, so one run never holds a worker for long; the next run continues.</summary>
    public const int Limit = 20_000;

    [AutomaticRetry(Attempts = 0)]
    public Task<int> FireDueTimersAsync(CancellationToken cancellationToken) => firer.FireDueAsync(Limit, cancellationToken);
}
