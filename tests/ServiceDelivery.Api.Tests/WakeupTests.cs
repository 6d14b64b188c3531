using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Application.Timers;
using ServiceDelivery.Infrastructure.Wakeups;
using ServiceDelivery.Persistence.Entities;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Api.Tests;

/// <summary>
/// After a commit the senders and firers on every host are woken: cheaply (no background job per command),
/// across hosts (NOTIFY), and only as a hint (a failed wake-up never fails the committed request).
/// </summary>
public sealed class WakeupTests
{
    // Loops that would not look on their own for ten minutes: only a wake-up explains a quick effect.
    private static readonly Dictionary<string, string?> SleepyLoops = new()
    {
        ["Jobs:RunServer"] = "true",
        ["Jobs:TimerPollInterval"] = "00:10:00",
        ["Notifications:PollInterval"] = "00:10:00",
    };

    [Fact]
    public async Task An_action_answers_200_when_its_wake_up_fails_and_the_mail_goes_out_with_the_next_sweep()
    {
        await using var smtp = TestSmtpServer.Start();
        await using var host = await HostFactory.CreateAsync(new Dictionary<string, string?>
        {
            ["Jobs:RunServer"] = "true",
            ["Notifications:PollInterval"] = "00:00:01",
            ["Smtp:Host"] = "127.0.0.1",
            ["Smtp:Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        host.TestServices = services => services.AddSingleton<ICommitSignal, FailingSignal>();
        await using var api = new ApiWith(host);
        var id = (await api.As(Api.Marketplace).StartAsync("ORD-HINT")).GetProperty("id").GetGuid();

        var answer = await api.As(Api.Buyer).ActAsync(id, "submit_requirement");

        answer.ShouldBe(HttpStatusCode.OK);
        answer.Str("stage").Should().Be("requirement_confirming");
        host.Log.ToString().Should().Contain("could not signal", "the failed hint is logged, not answered");
        var mails = await smtp.WaitForAsync(3, TimeSpan.FromSeconds(20));
        mails.Select(m => m.Headers["X-ServiceDelivery-Template"]).Should().Contain("requirement_submitted", "the sender's own polling found the committed mail");
    }

    [Fact]
    public async Task While_a_burst_of_due_timers_is_fired_the_host_sends_a_batch_a_second_and_the_rest_once_it_caught_up()
    {
        await using var smtp = TestSmtpServer.Start();
        await using var host = await HostFactory.CreateAsync(new Dictionary<string, string?>
        {
            ["Jobs:RunServer"] = "true",
            ["Jobs:TimerPollInterval"] = "00:00:00.200",
            ["Notifications:BatchSize"] = "1",
            ["Smtp:Host"] = "127.0.0.1",
            ["Smtp:Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await using var api = new ApiWith(host);
        await using var db = TestDatabase.Context(host.ConnectionString);
        const int Count = 5 * TimerFirer.BatchSize;

        // A warm sender: one delivery's mail has gone out before the burst.
        var warm = (await api.As(Api.Marketplace).StartAsync("ORD-WARM")).GetProperty("id").GetGuid();
        (await api.As(Api.Buyer).ActAsync(warm, "submit_requirement")).ShouldBe(HttpStatusCode.OK);
        var before = (await smtp.WaitForAsync(3, TimeSpan.FromSeconds(30))).Count;

        await AcceptingDeliveries.InsertAsync(db, Count, host.Clock.GetUtcNow());
        var watched = System.Diagnostics.Stopwatch.StartNew();
        while (await db.Timers.CountAsync(t => t.State == "running") > 0)
        {
            watched.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(60), "the host fires the burst");
            await Task.Delay(50);
        }

        var sentWhileFiring = smtp.Messages.Count - before;
        var seconds = (int)Math.Ceiling(watched.Elapsed.TotalSeconds);
        var mails = await db.Outbox.CountAsync(o => o.Kind == "email");
        mails.Should().BeGreaterThanOrEqualTo(Count, "every auto-acceptance is mailed");
        // One batch of one mail a second for the host (one more when the first second began, one for the minute sweep).
        sentWhileFiring.Should().BeLessThanOrEqualTo(seconds + 2, "while its firer claims full batches, the host's mail takes a batch a second");
        (await smtp.WaitForAsync(mails, TimeSpan.FromSeconds(90))).Should().HaveCount(mails, "once the firer caught up the rest goes out");
    }

    [Fact]
    public async Task A_commit_on_one_host_wakes_the_sender_of_another_within_a_moment()
    {
        await using var smtp = TestSmtpServer.Start();
        var database = await TestDatabase.CreateAsync("wake");
        var smtpSettings = new Dictionary<string, string?>(SleepyLoops)
        {
            ["Smtp:Host"] = "127.0.0.1",
            ["Smtp:Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        await using var sender = await HostFactory.CreateAsync(smtpSettings, AdjustableClock.Flowing(), database);
        sender.DropDatabaseOnDispose = false;
        _ = sender.Services;
        await using var web = await HostFactory.CreateAsync(new Dictionary<string, string?> { ["Jobs:RunServer"] = "false" }, AdjustableClock.Flowing(), database);
        await WaitOutsideTheMinuteSweepAsync();
        await Task.Delay(TimeSpan.FromSeconds(2)); // the sender's start-up pass is over

        await using (var scope = web.Services.CreateAsyncScope())
        {
            (await scope.ServiceProvider.GetRequiredService<DeliveryCommands>().StartAsync(HostTestData.Marketplace, HostTestData.Order("ORD-WAKE"), CancellationToken.None))
                .IsSuccess.Should().BeTrue();
        }

        var mails = await smtp.WaitForAsync(2, TimeSpan.FromSeconds(5));
        mails.Should().HaveCount(2, "the host without a sender told the other one; its loop would not have looked for ten minutes");
    }

    [Fact]
    public async Task A_timer_started_on_one_host_fires_on_another_as_soon_as_it_is_due()
    {
        var database = await TestDatabase.CreateAsync("wake-timer");
        await using (var db = TestDatabase.Context(database))
        {
            db.DefinitionVersions.Add(new DefinitionVersionRecord { Key = "quick-drill", Version = 1, Json = HostTestData.QuickDrill("PT3S"), PublishedAt = HostFactory.T0, PublishedBy = "test" });
            await db.SaveChangesAsync();
        }

        await using var firer = await HostFactory.CreateAsync(SleepyLoops, AdjustableClock.Flowing(), database);
        firer.DropDatabaseOnDispose = false;
        _ = firer.Services;
        await using var web = await HostFactory.CreateAsync(new Dictionary<string, string?> { ["Jobs:RunServer"] = "false" }, AdjustableClock.Flowing(), database);
        // Early in a minute: the firer host's minute sweep is then at least 25 s away, so only the wake-up can fire
        // the timer within the bound below, however busy the machine (a CI run once needed more than 8 s).
        await Task.Delay(TimeSpan.FromSeconds(2));
        await WaitOutsideTheMinuteSweepAsync(latestSecond: 30);

        DeliveryView delivery;
        await using (var scope = web.Services.CreateAsyncScope())
        {
            delivery = (await scope.ServiceProvider.GetRequiredService<DeliveryCommands>()
                .StartAsync(HostTestData.Marketplace, HostTestData.Order("ORD-WAKE-TIMER", "quick-drill"), CancellationToken.None)).Unwrap().Delivery;
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        LogRecord? fired = null;
        while (fired is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            await using var db = TestDatabase.Context(database);
            fired = await db.ProcessLog.FirstOrDefaultAsync(l => l.DeliveryId == delivery.Id && l.Action == "expire");
        }

        fired.Should().NotBeNull("the other host's firer was woken for the new due time");
        (fired!.At - delivery.CreatedAt).Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(3), "never early")
            .And.BeLessThan(TimeSpan.FromSeconds(20), "woken for its due time, long before the next minute sweep or the ten-minute poll");
    }

    [Fact]
    public async Task Commands_create_no_background_jobs()
    {
        await using var host = await HostFactory.CreateAsync(new Dictionary<string, string?> { ["Jobs:RunServer"] = "true" });
        await using var api = new ApiWith(host);
        await api.As(Api.Marketplace).StartAsync("ORD-JOBS-0");
        await WaitOutsideTheMinuteSweepAsync();
        var before = await HangfireJobsAsync(host.ConnectionString);

        for (var i = 1; i <= 20; i++)
        {
            var id = (await api.As(Api.Marketplace).StartAsync($"ORD-JOBS-{i}")).GetProperty("id").GetGuid();
            (await api.As(Api.Buyer).ActAsync(id, "submit_requirement")).ShouldBe(HttpStatusCode.OK);
        }

        (await HangfireJobsAsync(host.ConnectionString)).Should().Be(before, "40 commits woke the loops instead of enqueueing jobs (the recurring sweeps are not counted)");
    }

    [Fact]
    public void A_page_subscriber_that_throws_neither_fails_the_commit_nor_silences_the_other_pages()
    {
        var hub = new CommitHub();
        var heard = new List<Guid>();
        hub.DeliveriesChanged += _ => throw new InvalidOperationException("a page's bug");
        hub.DeliveriesChanged += changed => heard.AddRange(changed);
        var id = Guid.NewGuid();

        var commit = () => hub.Committed(new CommitNotice([id], Outbox: false, EarliestTimer: null));

        commit.Should().NotThrow("the write has committed; a subscriber's failure is not the committer's");
        heard.Should().Equal(id);
    }

    [Fact]
    public async Task A_burst_of_commits_reaches_the_other_hosts_as_a_few_notifications_naming_every_delivery()
    {
        var database = await TestDatabase.CreateAsync("notify");
        var hub = new CommitHub();
        var wakeups = new PostgresWakeups(database, hub, NullLogger<PostgresWakeups>.Instance);
        await using var listener = new NpgsqlConnection(database);
        await listener.OpenAsync();
        var payloads = new System.Collections.Concurrent.ConcurrentQueue<string>();
        listener.Notification += (_, e) => payloads.Enqueue(e.Payload);
        await using (var listen = new NpgsqlCommand($"LISTEN {PostgresWakeups.Channel}", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        await wakeups.StartAsync(CancellationToken.None);
        var ids = Enumerable.Range(0, 100).Select(_ => Guid.NewGuid()).ToList();
        foreach (var id in ids)
        {
            hub.Committed(new CommitNotice([id], Outbox: true, EarliestTimer: null));
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (DateTime.UtcNow < deadline && !ids.All(id => payloads.Any(p => p.Contains(id.ToString(), StringComparison.Ordinal))))
        {
            await listener.WaitAsync(TimeSpan.FromMilliseconds(100));
        }

        await wakeups.StopAsync(CancellationToken.None);
        await TestDatabase.DropAsync(database);
        payloads.Should().NotBeEmpty().And.HaveCountLessThanOrEqualTo(5, "a hundred commits in a moment are merged into a few NOTIFYs");
        ids.Should().OnlyContain(id => payloads.Any(p => p.Contains(id.ToString(), StringComparison.Ordinal)), "every changed delivery is named");
    }


    [Fact]
    public async Task A_definition_saved_on_one_host_is_announced_to_the_studio_pages_of_another()
    {
        var database = await TestDatabase.CreateAsync("notify-definitions");
        var (hubA, hubB) = (new CommitHub(), new CommitHub());
        var hostA = new PostgresWakeups(database, hubA, NullLogger<PostgresWakeups>.Instance);
        // Two hosts in one process would share Npgsql's pool for the listener (one connection, held for good): give
        // the second its own pool, as a second process has.
        var otherProcess = new NpgsqlConnectionStringBuilder(database) { CommandTimeout = 31 }.ConnectionString;
        var hostB = new PostgresWakeups(otherProcess, hubB, NullLogger<PostgresWakeups>.Instance);
        var seen = new TaskCompletionSource<IReadOnlyList<string>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hubB.DefinitionsChanged += keys =>
        {
            // An empty list is the resync of a listener that just started: B is listening from here on.
            if (keys.Count == 0)
            {
                listening.TrySetResult();
            }
            else
            {
                seen.TrySetResult(keys);
            }
        };
        await hostA.StartAsync(CancellationToken.None);
        await hostB.StartAsync(CancellationToken.None);
        await listening.Task.WaitAsync(TimeSpan.FromSeconds(30));

        hubA.Committed(CommitNotice.DefinitionChanged("manual-service-delivery"));
        var keys = await seen.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await hostA.StopAsync(CancellationToken.None);
        await hostB.StopAsync(CancellationToken.None);
        await TestDatabase.DropAsync(database);
        keys.Should().Equal("manual-service-delivery");
    }


    /// <summary>Hangfire's recurring sweeps run at the top of each minute; keep clear of them so only a wake-up can explain an effect.</summary>
    private static async Task WaitOutsideTheMinuteSweepAsync(int latestSecond = 45)
    {
        while (DateTime.UtcNow.Second < 3 || DateTime.UtcNow.Second > latestSecond)
        {
            await Task.Delay(250);
        }
    }

    private static async Task<long> HangfireJobsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        // Jobs a command would have enqueued: the recurring sweeps (tagged with their RecurringJobId) start on the
        // minute whatever the commands do, and a slow machine can cross one or two minutes during the test.
        await using var count = new NpgsqlCommand(
            "SELECT count(*) FROM hangfire.job j WHERE NOT EXISTS (SELECT 1 FROM hangfire.jobparameter p WHERE p.jobid = j.id AND p.name = 'RecurringJobId')",
            connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    private sealed class FailingSignal : ICommitSignal
    {
        public void Committed(CommitNotice notice) => throw new InvalidOperationException("job storage unavailable");
    }

    /// <summary>An <see cref="ApiFixture"/>-like access to a host made by the test itself.</summary>
    private sealed class ApiWith(HostFactory host) : IAsyncDisposable
    {
        public Api As(Caller caller) => new(host.ClientFor(caller));

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
