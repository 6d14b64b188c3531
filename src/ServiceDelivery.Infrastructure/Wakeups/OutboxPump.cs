using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ServiceDelivery.Application.Outbox;
using ServiceDelivery.Application.Timers;

namespace ServiceDelivery.Infrastructure.Wakeups;

/// <summary>
/// This host's sender: sends whatever is due, then sleeps until a commit (here or on another host) wakes it or the
/// poll interval passes (retries fall due that way). Any number of hosts run one each; the batch claim keeps them
/// from sending a row twice.
/// </summary>
public sealed partial class OutboxPump(OutboxDispatcher dispatcher, CommitHub hub, TimerBacklog timers, NotificationOptions options, ILogger<OutboxPump> logger) : BackgroundService
{
    /// <summary>Rows one pass handles at most before it looks at the clock again.</summary>
    private const int PassLimit = 10_000;

    private static readonly TimeSpan YieldToTimers = TimeSpan.FromSeconds(1);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        // A few loops, each with its own batch: while one waits on the database, another sends.
        Task.WhenAll(Enumerable.Range(0, Math.Max(1, options.Senders)).Select(loop => SendLoopAsync(loop, stoppingToken)));

    private async Task SendLoopAsync(int loop, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (timers.Behind)
                {
                    // Deadlines first: while the firer is behind, this host sends one batch a second (a pass is one
                    // batch then), which keeps mail moving without taking the machine from the timers.
                    if (loop == 0)
                    {
                        await dispatcher.DispatchDueAsync(PassLimit, stoppingToken);
                    }

                    await Task.Delay(YieldToTimers, stoppingToken);
                    continue;
                }

                await dispatcher.DispatchDueAsync(PassLimit, stoppingToken);
                if (await hub.Outbox.WaitAsync(options.PollInterval, stoppingToken))
                {
                    // Woken by a commit: let the commits of the next moment gather, so a burst is one claim, not one each.
                    await Task.Delay(options.Coalesce, stoppingToken);
                }
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The database is away, say: wait a little and try again; never end the loop (that would stop the host).
                LogPassFailed(logger, ex.GetType().Name, ex.Message);
                await hub.Outbox.WaitAsync(options.PollInterval, stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending the outbox failed ({Error}: {Message}); trying again shortly")]
    private static partial void LogPassFailed(ILogger logger, string error, string message);
}
