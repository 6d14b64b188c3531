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
public sealed partial class TimerPump(TimerFirer firer, TimerBacklog backlog, CommitHub hub, TimeProvider clock, JobOptions options, ILogger<TimerPump> logger) : BackgroundService
{
    /// <summary>Timers one call fires at most before the firer looks at the clock again; a full pass means more are due.</summary>
    private const int PassLimit = TimerFirer.BatchSize * 5;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Until its first claim tells, a starting firer counts as behind: a host (re)started into a burst of due
        // timers fires them before it sends the mail that piled up.
        backlog.Behind = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = options.TimerPollInterval;
            try
            {
                hub.PlanTimerWake(DateTimeOffset.MinValue); // while firing, every new timer is worth another look
                while (await firer.FireDueAsync(PassLimit, stoppingToken) == PassLimit)
                {
                    // More are due: fire on (the firer tells the senders to hold back meanwhile).
                }

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
                backlog.Behind = false; // a firer that cannot fire holds nothing back
                LogPassFailed(logger, ex.GetType().Name, ex.Message);
            }

            await hub.Timers.WaitAsync(wait, stoppingToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Firing timers failed ({Error}: {Message}); trying again shortly")]
    private static partial void LogPassFailed(ILogger logger, string error, string message);
}
