namespace ServiceDelivery.Application.Operations;

/// <summary>The background-job servers of every host (Hangfire's heartbeats), for the console's overview.</summary>
public interface IJobServers
{
    IReadOnlyList<JobServerView> List();
}

/// <param name="Alive">Its heartbeat is recent: the host is running its recurring sweeps.</param>
public sealed record JobServerView(string Name, DateTimeOffset? Heartbeat, DateTimeOffset StartedAt, int Workers, IReadOnlyList<string> Queues, bool Alive);

/// <summary>A host without a job server (tests of the application alone).</summary>
public sealed class NoJobServers : IJobServers
{
    public IReadOnlyList<JobServerView> List() => [];
}
