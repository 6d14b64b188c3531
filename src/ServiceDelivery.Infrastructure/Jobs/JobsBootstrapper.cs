using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ServiceDelivery.Infrastructure.Jobs;

/// <summary>
/// On start: registers the minute sweeps of timers and of the outbox, the retention run and the migration sweep
/// (every host does it; it is an upsert) and enqueues one timer and one outbox sweep now, so what fell due while no
/// host was running happens right away. Then keeps them: the service depends on these recurring jobs, so one that
/// is gone (deleted from Hangfire's storage or API; the dashboard refuses to) is registered again within
/// <see cref="JobOptions.RecurringCheckInterval"/>.
/// </summary>
public sealed class JobsBootstrapper(IRecurringJobManager recurring, IBackgroundJobClient jobs, JobStorage storage, JobOptions options, ILogger<JobsBootstrapper> logger) : BackgroundService
{
    /// <summary>
    /// The console's time zone (China's, as the pages show every time): the dashboard lists each job's zone beside its
    /// cron, and the operator reads it in theirs. The crons run every few minutes, so the zone moves no run.
    /// </summary>
    public static readonly RecurringJobOptions InConsoleZone = new() { TimeZone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai") };

    /// <summary>The recurring jobs the service depends on, by id, with how each is registered.</summary>
    public static readonly IReadOnlyDictionary<string, Action<IRecurringJobManager>> Required = new Dictionary<string, Action<IRecurringJobManager>>(StringComparer.Ordinal)
    {
        [TimerJobs.SweepJobId] = r => r.AddOrUpdate<TimerJobs>(TimerJobs.SweepJobId, j => j.FireDueTimersAsync(CancellationToken.None), Cron.Minutely(), InConsoleZone),
        [OutboxJobs.SweepJobId] = r => r.AddOrUpdate<OutboxJobs>(OutboxJobs.SweepJobId, j => j.DispatchAsync(CancellationToken.None), Cron.Minutely(), InConsoleZone),
        [RetentionJobs.JobId] = r => r.AddOrUpdate<RetentionJobs>(RetentionJobs.JobId, j => j.RunAsync(CancellationToken.None), "*/5 * * * *", InConsoleZone),
        [MigrationJobs.SweepJobId] = r => r.AddOrUpdate<MigrationJobs>(MigrationJobs.SweepJobId, j => j.RunAsync(CancellationToken.None), Cron.Minutely(), InConsoleZone),
        [EvidenceJobs.JobId] = r => r.AddOrUpdate<EvidenceJobs>(EvidenceJobs.JobId, j => j.RunAsync(CancellationToken.None), "*/10 * * * *", InConsoleZone),
    };

    private volatile bool _registered;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _registered = TryRegisterAll();
        jobs.Enqueue<TimerJobs>(j => j.FireDueTimersAsync(CancellationToken.None));
        jobs.Enqueue<OutboxJobs>(j => j.DispatchAsync(CancellationToken.None));
        logger.LogInformation("Timer and outbox sweeps registered (every minute) and one of each enqueued for what is overdue");
        return base.StartAsync(cancellationToken);
    }

    /// <summary>
    /// Registers (or updates) every required job. A host killed while it held a job's lock leaves the lock row until
    /// Hangfire's lock timeout: the next host must still start (the jobs are in storage already), so a lock that
    /// cannot be had now is tried again in the background instead of failing the start.
    /// </summary>
    private bool TryRegisterAll()
    {
        try
        {
            foreach (var register in Required.Values)
            {
                register(recurring);
            }

            return true;
        }
        catch (Exception ex) when (ex is DistributedLockTimeoutException or Hangfire.PostgreSql.PostgreSqlDistributedLockException)
        {
            logger.LogWarning(ex, "A recurring job's lock is held (by a host that stopped while holding it?); registering again in the background");
            return false;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!_registered)
        {
            await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            _registered = TryRegisterAll();
        }

        if (options.RecurringCheckInterval <= TimeSpan.Zero)
        {
            return;
        }

        using var tick = new PeriodicTimer(options.RecurringCheckInterval);
        while (await tick.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                Restore();
            }
#pragma warning disable CA1031 // The storage may be away for a moment; the next tick looks again.
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
#pragma warning restore CA1031
            {
                logger.LogWarning(ex, "Could not check the recurring jobs");
            }
        }
    }

    /// <summary>Registers again each required recurring job that is gone; answers their ids. Reads only, when all are there.</summary>
    public IReadOnlyList<string> Restore()
    {
        List<string> missing;
        using (var connection = storage.GetConnection())
        {
            var listed = connection.GetAllItemsFromSet("recurring-jobs");
            missing = [.. connection.GetRecurringJobs([.. Required.Keys])
                .Where(j => j.Removed || !listed.Contains(j.Id))
                .Select(j => j.Id)];
        }

        foreach (var id in missing)
        {
            Required[id](recurring);
            logger.LogWarning("The recurring job {JobId} was gone (deleted outside the service) and is registered again", id);
        }

        return missing;
    }
}
