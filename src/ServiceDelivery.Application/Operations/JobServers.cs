namespace ServiceDelivery.Application.Operations;

/// <summary>The background-job servers of every host (Hangfire's heartbeats), for the console's overview.</summary>
public interface IJobServers
{
    IReadOnlyList<JobServerView> List();

    /// <summary>The recurring jobs the service depends on (its sweeps), whether registered and when they run next.</summary>
    IReadOnlyList<RecurringJobView> Recurring();
}

/// <param name="Present">Registered in Hangfire's storage (a deleted one is registered again by the hosts within seconds).</param>
public sealed record RecurringJobView(string Id, string? Cron, bool Present, DateTimeOffset? NextExecution, DateTimeOffset? LastExecution);

/// <param name="Alive">Its heartbeat is recent: the host is running its recurring sweeps.</param>
public sealed record JobServerView(string Name, DateTimeOffset? Heartbeat, DateTimeOffset StartedAt, int Workers, IReadOnlyList<string> Queues, bool Alive);

/// <summary>A host without a job server (tests of the application alone).</summary>
public sealed class NoJobServers : IJobServers
{
    public IReadOnlyList<JobServerView> List() => [];

    public IReadOnlyList<RecurringJobView> Recurring() => [];
}
