using Hangfire;
using Hangfire.Storage;
using ServiceDelivery.Application.Operations;

namespace ServiceDelivery.Infrastructure.Jobs;

/// <summary>
/// Job servers as Hangfire's storage knows them: one per host, alive while its heartbeat is fresh. The list is kept for
/// a few seconds in this host (heartbeats come every 30 s): operators refreshing the overview do not each open
/// Hangfire's own connection for it.
/// </summary>
public sealed class HangfireJobServers(JobStorage storage) : IJobServers
{
    /// <summary>Hangfire beats every 30 s; a server silent for longer than this is taken as gone.</summary>
    private static readonly TimeSpan Silence = TimeSpan.FromMinutes(2);

    private const long MaxAgeMs = 5_000;

    private volatile Kept? _kept;

    public IReadOnlyList<JobServerView> List()
    {
        var at = Environment.TickCount64;
        if (_kept is { } kept && at - kept.At < MaxAgeMs)
        {
            return kept.Servers;
        }

        var now = DateTimeOffset.UtcNow; // heartbeats are wall-clock time, whatever the development clock says
        IReadOnlyList<JobServerView> servers = [.. storage.GetMonitoringApi().Servers().Select(s =>
        {
            DateTimeOffset? heartbeat = s.Heartbeat is { } beat ? new DateTimeOffset(DateTime.SpecifyKind(beat, DateTimeKind.Utc)) : null;
            return new JobServerView(s.Name, heartbeat, new DateTimeOffset(DateTime.SpecifyKind(s.StartedAt, DateTimeKind.Utc)), s.WorkersCount, [.. s.Queues],
                heartbeat is { } h && now - h < Silence);
        }).OrderBy(s => s.Name, StringComparer.Ordinal)];
        _kept = new Kept(at, servers);
        return servers;
    }

    public IReadOnlyList<RecurringJobView> Recurring()
    {
        using var connection = storage.GetConnection();
        var listed = connection.GetAllItemsFromSet("recurring-jobs");
        return [.. connection.GetRecurringJobs([.. JobsBootstrapper.Required.Keys]).Select(j => new RecurringJobView(
            j.Id, j.Removed ? null : j.Cron, !j.Removed && listed.Contains(j.Id), Utc(j.NextExecution), Utc(j.LastExecution)))];
    }

    private static DateTimeOffset? Utc(DateTime? at) => at is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null;

    private sealed record Kept(long At, IReadOnlyList<JobServerView> Servers);
}
