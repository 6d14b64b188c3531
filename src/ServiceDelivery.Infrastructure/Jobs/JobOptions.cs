namespace ServiceDelivery.Infrastructure.Jobs;

/// <summary>Background jobs (section <c>Jobs</c>).</summary>
public sealed class JobOptions
{
    public const string SectionName = "Jobs";

    /// <summary>Run a Hangfire server in this host (hosts dedicated to HTTP can turn it off).</summary>
    public bool RunServer { get; set; } = true;

    /// <summary>Hangfire workers in this host.</summary>
    public int WorkerCount { get; set; } = 4;

    /// <summary>How often the server looks for scheduled jobs that are due.</summary>
    public TimeSpan SchedulePollingInterval { get; set; } = TimeSpan.FromSeconds(5);
}
