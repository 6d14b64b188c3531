using Hangfire;
using Hangfire.Storage;
using ServiceDelivery.Application.Operations;

namespace ServiceDelivery.Infrastructure.Jobs;

/// <summary>Job servers as Hangfire's storage knows them: one per host, alive while its heartbeat is fresh.</summary>
public sealed class HangfireJobServers(JobStorage storage) : IJobServers
{
    /// <summary>Hangfire beats every 30 s; a server silent for longer than this is taken as gone.</summary>
    private static readonly TimeSpan Silence = TimeSpan.FromMinutes(2);

    public IReadOnlyList<JobServerView> List()
    {
        var now = DateTimeOffset.UtcNow; // heartbeats are wall-clock time, whatever the development clock says
        return [.. storage.GetMonitoringApi().Servers().Select(s =>
        {
            DateTimeOffset? heartbeat = s.Heartbeat is { } beat ? new DateTimeOffset(DateTime.SpecifyKind(beat, DateTimeKind.Utc)) : null;
            return new JobServerView(s.Name, heartbeat, new DateTimeOffset(DateTime.SpecifyKind(s.StartedAt, DateTimeKind.Utc)), s.WorkersCount, [.. s.Queues],
                heartbeat is { } h && now - h < Silence);
        }).OrderBy(s => s.Name, StringComparer.Ordinal)];
    }

    public IReadOnlyList<RecurringJobView> Recurring()
    {
        using var connection = storage.GetConnection();
        var listed = connection.GetAllItemsFromSet("recurring-jobs");
        return [.. connection.GetRecurringJobs([.. JobsBootstrapper.Required.Keys]).Select(j => new RecurringJobView(
            j.Id, j.Removed ? null : j.Cron, !j.Removed && listed.Contains(j.Id), Utc(j.NextExecution), Utc(j.LastExecution)))];
    }

    private static DateTimeOffset? Utc(DateTime? at) => at is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null;
}
