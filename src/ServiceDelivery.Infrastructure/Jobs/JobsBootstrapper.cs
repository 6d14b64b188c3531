using Hangfire;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ServiceDelivery.Infrastructure.Jobs;

/// <summary>
/// On start: registers the minute sweep (every host does it; it is an upsert) and enqueues one sweep now, so
/// timers that fell due while no host was running fire right away.
/// </summary>
public sealed class JobsBootstrapper(IRecurringJobManager recurring, IBackgroundJobClient jobs, ILogger<JobsBootstrapper> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        recurring.AddOrUpdate<TimerJobs>(TimerJobs.SweepJobId, j => j.FireDueTimersAsync(CancellationToken.None), Cron.Minutely());
        jobs.Enqueue<TimerJobs>(j => j.FireDueTimersAsync(CancellationToken.None));
        logger.LogInformation("Timer sweep registered (every minute) and one sweep enqueued for overdue timers");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
