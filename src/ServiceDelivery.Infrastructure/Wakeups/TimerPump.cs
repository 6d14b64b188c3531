using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ServiceDelivery.Application.Timers;
using ServiceDelivery.Infrastructure.Jobs;

namespace ServiceDelivery.Infrastructure.Wakeups;

/// <summary>
/// This host's timer firer: fires what is due, then sleeps until the next running timer falls due (at most the
/// poll interval), or until a commit on any host starts a timer that falls due earlier. Any number of hosts run
/// one each; the batch claim fires each timer once.
/// </summary>
public sealed partial class TimerPump(TimerFirer firer, CommitHub hub, TimeProvider clock, JobOptions options, ILogger<TimerPump> logger) : BackgroundService
{
    /// <summary>Timers one call fires at most; a full pass means more are due (the host is behind).</summary>
    private const int PassLimit = TimerFirer.BatchSize * 5;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = options.TimerPollInterval;
            try
            {
                hub.PlanTimerWake(DateTimeOffset.MinValue); // while firing, every new timer is worth another look
                while (await firer.FireDueAsync(PassLimit, stoppingToken) == PassLimit)
                {
                    hub.TimersBehind = true;
                }

                hub.TimersBehind = false;
                if (await firer.NextDueAsync(stoppingToken) is { } next)
                {
                    var until = next - clock.GetUtcNow();
                    wait = until < wait ? until : wait;
                }

                hub.PlanTimerWake(clock.GetUtcNow() + wait);
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                hub.TimersBehind = false;
                LogPassFailed(logger, ex.GetType().Name, ex.Message);
            }

            await hub.Timers.WaitAsync(wait, stoppingToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Firing timers failed ({Error}: {Message}); trying again shortly")]
    private static partial void LogPassFailed(ILogger logger, string error, string message);
}
