using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Application.Timers;
using ServiceDelivery.Persistence.Entities;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Api.Tests;

/// <summary>Timers in the real host: overdue timers fire on start, running ones near their due time, and the Hangfire sweep catches what every loop missed.</summary>
public sealed class JobsTests
{
    private static readonly Dictionary<string, string?> WithJobs = new() { ["Jobs:RunServer"] = "true" };

    [Fact]
    public async Task After_an_outage_every_overdue_timer_fires_once_when_a_host_starts()
    {
        var database = await TestDatabase.CreateAsync("outage");
        var deliveries = new List<Guid>();
        await using (var before = await HostFactory.CreateAsync(connectionString: database))
        {
            before.DropDatabaseOnDispose = false;
            for (var i = 0; i < 3; i++)
            {
                deliveries.Add((await HostTestData.AcceptingAsync(before.Services, $"ORD-OUTAGE-{i}")).Id);
            }
        }

        // No host runs while sixteen days pass; then one starts with its job server.
        await using var after = await HostFactory.CreateAsync(WithJobs, AdjustableClock.FrozenAt(HostFactory.T0 + TimeSpan.FromDays(16)), database);
        _ = after.Services;

        await WaitUntilAsync(database, db => db.Deliveries.CountAsync(d => deliveries.Contains(d.Id) && d.Stage == "completed"), deliveries.Count);
        await using var check = TestDatabase.Context(database);
        var accepts = await check.ProcessLog.Where(l => l.Action == "accept").GroupBy(l => l.DeliveryId).Select(g => new { g.Key, Count = g.Count(), Role = g.Max(l => l.ActorRole) }).ToListAsync();
        accepts.Should().HaveCount(3).And.OnlyContain(a => a.Count == 1 && a.Role == "system");
        (await check.Timers.CountAsync(t => t.State == TimerRecord.States.Running || t.State == TimerRecord.States.Frozen)).Should().Be(0);
        (await check.Outbox.CountAsync(o => o.Topic == "acceptance_reminder")).Should().Be(0, "reminders that came due with their timer have nothing left to remind of");
    }

    [Fact]
    public async Task A_timer_fires_shortly_after_it_is_due()
    {
        var database = await TestDatabase.CreateAsync("lag");
        await using (var db = TestDatabase.Context(database))
        {
            db.DefinitionVersions.Add(new DefinitionVersionRecord { Key = "quick-drill", Version = 1, Json = HostTestData.QuickDrill("PT2S"), PublishedAt = HostFactory.T0, PublishedBy = "test" });
            await db.SaveChangesAsync();
        }

        // Real time here: the firer sleeps on it until the due time.
        await using var host = await HostFactory.CreateAsync(WithJobs, AdjustableClock.Flowing(), database);
        DeliveryView delivery;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            delivery = (await scope.ServiceProvider.GetRequiredService<DeliveryCommands>()
                .StartAsync(HostTestData.Marketplace, HostTestData.Order("ORD-QUICK", "quick-drill"), CancellationToken.None)).Unwrap().Delivery;
        }

        await WaitUntilAsync(database, db => db.Deliveries.CountAsync(d => d.Id == delivery.Id && d.Stage == "expired"), 1, host.Log);
        await using var check = TestDatabase.Context(database);
        var timer = await check.Timers.SingleAsync(t => t.DeliveryId == delivery.Id);
        var fired = await check.ProcessLog.SingleAsync(l => l.DeliveryId == delivery.Id && l.Action == "expire");
        (fired.At - timer.CreatedAt).Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(2), "never early");
        (fired.At - timer.CreatedAt - TimeSpan.FromSeconds(2)).Should().BeLessThan(TimeSpan.FromSeconds(5), "the firer sleeps until the due time, not until a poll");
    }

    [Fact]
    public async Task The_minute_sweep_fires_a_due_timer_no_wake_up_announced_and_no_loop_looked_for()
    {
        var database = await TestDatabase.CreateAsync("sweep");
        await using (var db = TestDatabase.Context(database))
        {
            db.DefinitionVersions.Add(new DefinitionVersionRecord { Key = "quick-drill", Version = 1, Json = HostTestData.QuickDrill("PT2S"), PublishedAt = HostFactory.T0, PublishedBy = "test" });
            await db.SaveChangesAsync();
        }

        // As if every wake-up were lost and the firer loop asleep: only Hangfire's minute sweep remains.
        await using var host = await HostFactory.CreateAsync(new Dictionary<string, string?>(WithJobs) { ["Jobs:TimerPollInterval"] = "01:00:00" }, AdjustableClock.Flowing(), database);
        host.TestServices = services => services.AddSingleton<ICommitSignal, NoCommitSignal>();
        _ = host.Services;

        // The sweep a host enqueues on start must be over first, so that only a later, recurring one can fire the timer.
        await WaitUntilAsync(database, SucceededSweepsAsync, 1, host.Log);
        DeliveryView delivery;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<ICommitSignal>().Should().BeOfType<NoCommitSignal>();
            delivery = (await scope.ServiceProvider.GetRequiredService<DeliveryCommands>()
                .StartAsync(HostTestData.Marketplace, HostTestData.Order("ORD-SWEEP", "quick-drill"), CancellationToken.None)).Unwrap().Delivery;
        }

        await WaitUntilAsync(database, db => db.Deliveries.CountAsync(d => d.Id == delivery.Id && d.Stage == "expired"), 1, host.Log);
        await using var check = TestDatabase.Context(database);
        (await check.ProcessLog.CountAsync(l => l.DeliveryId == delivery.Id && l.Action == "expire" && l.ActorRole == "system")).Should().Be(1);
    }


    private static async Task<int> SucceededSweepsAsync(ServiceDelivery.Persistence.ServiceDeliveryDbContext db)
    {
        await using var connection = new Npgsql.NpgsqlConnection(db.Database.GetConnectionString());
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT count(*) FROM hangfire.job WHERE statename = 'Succeeded' AND invocationdata::text LIKE '%FireDueTimersAsync%'", connection);
        return Math.Min(1, Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
    }

    private static async Task<string> HangfireJobsAsync(ServiceDelivery.Persistence.ServiceDeliveryDbContext db)
    {
        await using var connection = new Npgsql.NpgsqlConnection(db.Database.GetConnectionString());
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT j.statename || ' ' || coalesce(s.reason, '') || ' ' || left(coalesce(s.data::text, ''), 120) FROM hangfire.job j LEFT JOIN hangfire.state s ON s.id = j.stateid " +
            "UNION ALL SELECT 'queue ' || queue || ' job ' || jobid || ' fetched ' || coalesce(fetchedat::text, '-') FROM hangfire.jobqueue " +
            "UNION ALL SELECT 'server ' || id || ' heartbeat ' || lastheartbeat::text || ' ' || left(data::text, 200) FROM hangfire.server " +
            "UNION ALL SELECT 'lock ' || resource || ' ' || acquired::text FROM hangfire.lock", connection);
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join(" | ", lines);
    }

    private static async Task WaitUntilAsync(string database, Func<ServiceDelivery.Persistence.ServiceDeliveryDbContext, Task<int>> count, int expected, CapturedLog? log = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            await using var db = TestDatabase.Context(database);
            var actual = await count(db);
            if (actual == expected)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                actual.Should().Be(expected, "the job server should have fired the timers within 90 s; Hangfire's jobs: " + await HangfireJobsAsync(db) + Environment.NewLine + "Log: " + log);
            }

            await Task.Delay(250);
        }
    }
}
