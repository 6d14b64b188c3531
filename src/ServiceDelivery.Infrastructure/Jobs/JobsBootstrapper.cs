using Hangfire;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ServiceDelivery.Infrastructure.Jobs;

/// <summary>
/// On start: registers the minute sweeps of timers and of the outbox and the retention run (every host does it;
/// it is an upsert) and
/// enqueues one of each now, so what fell due while no host was running happens right away.
/// </summary>
public sealed class JobsBootstrapper(IRecurringJobManager recurring, IBackgroundJobClient jobs, ILogger<JobsBootstrapper> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        recurring.AddOrUpdate<TimerJobs>(TimerJobs.SweepJobId, j => j.FireDueTimersAsync(CancellationToken.None), Cron.Minutely());
        recurring.AddOrUpdate<OutboxJobs>(OutboxJobs.SweepJobId, j => j.DispatchAsync(CancellationToken.None), Cron.Minutely());
        recurring.AddOrUpdate<RetentionJobs>(RetentionJobs.JobId, j => j.RunAsync(CancellationToken.None), "*/5 * * * *");
        recurring.AddOrUpdate<MigrationJobs>(MigrationJobs.SweepJobId, j => j.RunAsync(CancellationToken.None), Cron.Minutely());
        jobs.Enqueue<TimerJobs>(j => j.FireDueTimersAsync(CancellationToken.None));
        jobs.Enqueue<OutboxJobs>(j => j.DispatchAsync(CancellationToken.None));
        logger.LogInformation("Timer and outbox sweeps registered (every minute) and one of each enqueued for what is overdue");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
