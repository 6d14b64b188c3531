using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Persistence;

namespace ServiceDelivery.Host.Hosting;

/// <summary>
/// The development clock's offset lives in PostgreSQL (<c>dev_clock</c>), so every host sharing the database
/// agrees on "now": an advance adds to the stored offset, and each host catches up with it within a poll.
/// </summary>
public sealed partial class SharedDevClock(AdjustableClock clock, IDbContextFactory<ServiceDeliveryDbContext> contexts, ILogger<SharedDevClock> logger) : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>Adds <paramref name="by"/> to the shared offset and moves this host's clock at once.</summary>
    public async Task AdvanceAsync(TimeSpan by, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var offset = await db.Database
            .SqlQuery<long>($"UPDATE dev_clock SET offset_ticks = offset_ticks + {by.Ticks} WHERE id = 1 RETURNING offset_ticks AS \"Value\"")
            .ToListAsync(cancellationToken);
        clock.CatchUp(TimeSpan.FromTicks(offset.Single()));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var db = await contexts.CreateDbContextAsync(stoppingToken);
                var offset = await db.Database.SqlQuery<long>($"SELECT offset_ticks AS \"Value\" FROM dev_clock WHERE id = 1").ToListAsync(stoppingToken);
                if (offset.Count == 1)
                {
                    clock.CatchUp(TimeSpan.FromTicks(offset[0]));
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Before migrations ran, or the database is away: keep the local offset, try again.
                LogPollFailed(logger, ex.Message);
            }

            try
            {
                await Task.Delay(PollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reading the shared development clock failed: {Reason}")]
    private static partial void LogPollFailed(ILogger logger, string reason);
}
