using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using ServiceDelivery.Application.Common;

namespace ServiceDelivery.Infrastructure.Wakeups;

/// <summary>
/// Carries commit notices between hosts over PostgreSQL LISTEN/NOTIFY. Outgoing notices are merged and published
/// at most every <see cref="CoalesceWindow"/> in one NOTIFY, after the commits they describe and outside their
/// transactions (a NOTIFY inside every command would serialize all commits on PostgreSQL's notify lock). Incoming
/// ones wake this host's loops and pages. A lost connection is reopened; meanwhile the loops poll.
/// </summary>
public sealed partial class PostgresWakeups(string connectionString, CommitHub hub, ILogger<PostgresWakeups> logger) : BackgroundService
{
    public const string Channel = "servicedelivery_commits";

    /// <summary>How long outgoing notices are gathered before one NOTIFY carries them.</summary>
    public static readonly TimeSpan CoalesceWindow = TimeSpan.FromMilliseconds(10);

    /// <summary>NOTIFY payloads must stay under 8000 bytes; beyond this many ids a notice says "possibly all".</summary>
    private const int MaxIdsPerNotice = 150;

    private static readonly TimeSpan Reconnect = TimeSpan.FromSeconds(1);

    private readonly string _origin = Guid.NewGuid().ToString("N");

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(ListenAsync(stoppingToken), PublishAsync(stoppingToken));

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(Dedicated(connectionString, "listen"));
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, e) => OnNotification(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                // Whatever was announced while we were not listening: look now.
                hub.Resync();
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Never let the loop end: a failed background service would stop the whole host.
                LogListenFailed(logger, ex.GetType().Name, ex.Message);
                await Delay(Reconnect, stoppingToken);
            }
        }
    }

    private async Task PublishAsync(CancellationToken stoppingToken)
    {
        NpgsqlConnection? connection = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await hub.Outgoing.WaitAsync(Timeout.InfiniteTimeSpan, stoppingToken);
                await Delay(CoalesceWindow, stoppingToken);
                var notices = hub.DrainOutgoing();
                if (notices.Count == 0)
                {
                    continue;
                }

                try
                {
                    connection ??= await OpenPublisherAsync(stoppingToken);
                    await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @payload)", connection);
                    notify.Parameters.AddWithValue("channel", Channel);
                    notify.Parameters.AddWithValue("payload", Serialize(notices));
                    await notify.ExecuteNonQueryAsync(stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // Dropped: the other hosts' loops poll, and this host's own were woken directly.
                    LogPublishFailed(logger, notices.Count, ex.Message);
                    if (connection is not null)
                    {
                        await connection.DisposeAsync();
                        connection = null;
                    }

                    await Delay(Reconnect, stoppingToken);
                }
            }
        }
        catch (Exception) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    private async Task<NpgsqlConnection> OpenPublisherAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(Dedicated(connectionString, "notify"));
        await connection.OpenAsync(cancellationToken);
        // A NOTIFY commits like a write; as a hint it need not wait for the disk.
        await using var session = new NpgsqlCommand("SET synchronous_commit = off", connection);
        await session.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    private string Serialize(List<CommitNotice> notices)
    {
        var ids = notices.SelectMany(n => n.Deliveries).Distinct().ToList();
        var message = new WireNotice(
            _origin,
            notices.Any(n => n.Outbox),
            notices.Where(n => n.EarliestTimer is not null).Min(n => n.EarliestTimer),
            ids.Count > MaxIdsPerNotice ? null : ids,
            notices.SelectMany(n => n.Definitions ?? []).Distinct(StringComparer.Ordinal).ToList() is { Count: > 0 } keys ? keys : null);
        return JsonSerializer.Serialize(message);
    }

    private void OnNotification(string payload)
    {
        try
        {
            var message = JsonSerializer.Deserialize<WireNotice>(payload);
            if (message is null || message.Origin == _origin)
            {
                // Our own notices were delivered locally when they were committed.
                return;
            }

            hub.Receive(new CommitNotice(message.Deliveries ?? [], message.Outbox, message.EarliestTimer, message.Definitions));
            if (message.Deliveries is null)
            {
                hub.Resync();
            }
        }
        catch (JsonException ex)
        {
            LogBadPayload(logger, ex.Message);
        }
    }

    /// <summary>Its own small pool, so the long-lived connections never take a command's place in the main pool.</summary>
    private static string Dedicated(string connectionString, string purpose) =>
        new NpgsqlConnectionStringBuilder(connectionString)
        {
            ApplicationName = $"servicedelivery-{purpose}",
            MaxPoolSize = 1,
            KeepAlive = 15,
        }.ConnectionString;

    private static async Task Delay(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private sealed record WireNotice(
        [property: System.Text.Json.Serialization.JsonPropertyName("o")] string Origin,
        [property: System.Text.Json.Serialization.JsonPropertyName("x")] bool Outbox,
        [property: System.Text.Json.Serialization.JsonPropertyName("t")] DateTimeOffset? EarliestTimer,
        [property: System.Text.Json.Serialization.JsonPropertyName("d")] List<Guid>? Deliveries,
        [property: System.Text.Json.Serialization.JsonPropertyName("k")] List<string>? Definitions = null);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listening for other hosts' commits failed ({Error}: {Message}); retrying, the loops poll meanwhile")]
    private static partial void LogListenFailed(ILogger logger, string error, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} commit notices could not be published to the other hosts: {Message}")]
    private static partial void LogPublishFailed(ILogger logger, int count, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A commit notice could not be read: {Message}")]
    private static partial void LogBadPayload(ILogger logger, string message);
}
