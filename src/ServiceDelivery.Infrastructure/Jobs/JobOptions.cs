namespace ServiceDelivery.Infrastructure.Jobs;

/// <summary>Background jobs (section <c>Jobs</c>).</summary>
public sealed class JobOptions
{
    public const string SectionName = "Jobs";

    /// <summary>
    /// Run the background work in this host: the senders, the timer firer and a Hangfire server (hosts dedicated to
    /// HTTP can turn it off; their commits still wake the others).
    /// </summary>
    public bool RunServer { get; set; } = true;

    /// <summary>The longest the timer firer sleeps without looking (it wakes earlier for a timer due sooner).</summary>
    public TimeSpan TimerPollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Hangfire workers in this host: the sweeps and batch work only, so a few are plenty.</summary>
    public int WorkerCount { get; set; } = 2;

    /// <summary>How often the server looks for scheduled jobs that are due.</summary>
    public TimeSpan SchedulePollingInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often a host checks that the recurring jobs the service depends on (timer, outbox, retention and
    /// migration sweeps) still exist, and registers a deleted one again.
    /// </summary>
    public TimeSpan RecurringCheckInterval { get; set; } = TimeSpan.FromSeconds(10);
}
