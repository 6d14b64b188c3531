using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDelivery.Application.Outbox;
using ServiceDelivery.Application.Timers;
using ServiceDelivery.Infrastructure;
using ServiceDelivery.Infrastructure.Notifications;
using ServiceDelivery.Persistence;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Integration.Tests;

/// <summary>
/// What keeps the outbox's claim cheap however the table grew (found by the fault suite's 100,000 timers): a claim
/// planned while the outbox was empty must not go on scanning it once it holds a history of sent mail.
/// </summary>
public sealed class QueueClaimTests : IAsyncLifetime
{
    private TestSmtpServer _smtp = null!;
    private AppHarness _app = null!;

    public async Task InitializeAsync()
    {
        _smtp = TestSmtpServer.Start();
        _app = await AppHarness.CreateAsync(services =>
            services.AddServiceDeliveryNotifications(new SmtpOptions { Host = "127.0.0.1", Port = _smtp.Port, From = "noreply@market.example" }, NotificationTests.TemplatesRoot));
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _smtp.DisposeAsync();
    }

    [Fact]
    public async Task The_service_connections_run_without_query_jit()
    {
        // PostgreSQL's JIT compiles any statement estimated above jit_above_cost, again on every execution of a
        // custom plan: in the timer burst it took 40 % of the server's CPU for statements that run in milliseconds.
        await using var db = await _app.Services.GetRequiredService<IDbContextFactory<ServiceDeliveryDbContext>>().CreateDbContextAsync();
        (await db.Database.SqlQuery<string>($"SELECT current_setting('jit') AS \"Value\"").SingleAsync()).Should().Be("off");
    }

    [Fact]
    public async Task A_claim_planned_for_the_current_size_leaves_the_rest_of_its_transaction_to_cached_plans()
    {
        // Forced custom plans for the whole timer batch made every insert's foreign-key checks plan afresh.
        await using var db = _app.Db();
        await using var transaction = await db.Database.BeginTransactionAsync();
        var during = await db.PlanForCurrentSizeAsync(() => PlanCacheModeAsync(db), CancellationToken.None);
        var after = await PlanCacheModeAsync(db);

        during.Should().Be("force_custom_plan");
        after.Should().Be("auto");
    }

    private static Task<string> PlanCacheModeAsync(ServiceDeliveryDbContext db) =>
        db.Database.SqlQuery<string>($"SELECT current_setting('plan_cache_mode') AS \"Value\"").SingleAsync();

    [Fact]
    public async Task A_claim_after_the_outbox_grew_from_empty_reads_the_unsent_rows_not_the_sent_history()
    {
        var dispatcher = _app.Services.GetRequiredService<OutboxDispatcher>();
        await ExecuteAsync("ANALYZE outbox"); // the statistics of a new installation: an empty outbox

        // The claim runs often enough on an empty outbox to be prepared, and planned once for all executions.
        for (var i = 0; i < 8; i++)
        {
            await _app.AtAsync("requirement_confirming");
            (await dispatcher.DispatchDueAsync(100, CancellationToken.None)).Should().BeGreaterThan(0);
        }

        // A burst later: 50,000 mails sent, a few new ones due.
        await ExecuteAsync("""
            INSERT INTO outbox (kind, delivery_id, topic, recipient_role, recipient_address, culture, payload, status, attempts, next_attempt_at, created_at, sent_at)
            SELECT kind, delivery_id, topic, recipient_role, recipient_address, culture, payload, 'sent', 1, now(), now(), now()
            FROM (SELECT * FROM outbox LIMIT 1) AS one, generate_series(1, 50000)
            """);
        await _app.AtAsync("requirement_confirming");

        var before = await ReadsAsync();
        (await dispatcher.DispatchDueAsync(100, CancellationToken.None)).Should().Be(3, "the new delivery's three mails");
        var after = await ReadsAsync(until: r => r.Updated > before.Updated);

        (after.Sequential - before.Sequential).Should().BeLessThan(1_000, "the claim reads the unsent rows through their index, not the 50,000 sent ones");
    }

    [Fact]
    public async Task While_this_hosts_timers_are_behind_a_sending_pass_takes_one_batch_and_the_next_pass_the_rest()
    {
        await using var app = await AppHarness.CreateAsync(services =>
        {
            services.AddServiceDeliveryNotifications(new SmtpOptions { Host = "127.0.0.1", Port = _smtp.Port, From = "noreply@market.example" }, NotificationTests.TemplatesRoot);
            services.AddSingleton(new NotificationOptions { BatchSize = 2 });
        });
        await app.AtAsync("requirement_confirming");
        await app.AtAsync("requirement_confirming");
        var dispatcher = app.Services.GetRequiredService<OutboxDispatcher>();
        var backlog = app.Services.GetRequiredService<TimerBacklog>();

        backlog.Behind = true;
        (await dispatcher.DispatchDueAsync(100, CancellationToken.None)).Should().Be(2, "one batch of two while deadlines come first");

        backlog.Behind = false;
        (await dispatcher.DispatchDueAsync(100, CancellationToken.None)).Should().Be(4, "the other four mails of the two deliveries, batch after batch");
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var db = _app.Db();
        await db.Database.ExecuteSqlRawAsync(sql);
    }

    private sealed record Reads(long Sequential, long Updated);

    /// <summary>
    /// The outbox's row counters as the statistics hold them. A backend reports them when it goes idle, at most once a
    /// second: the first read waits that second out, a later one waits until the claim's updates are counted.
    /// </summary>
    private async Task<Reads> ReadsAsync(Func<Reads, bool>? until = null)
    {
        await Task.Delay(1100);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await using var db = _app.Db();
            var reads = await db.Database.SqlQuery<Reads>($"""
                SELECT coalesce(seq_tup_read, 0) AS sequential, n_tup_upd AS updated
                FROM pg_stat_user_tables WHERE relname = 'outbox'
                """).SingleAsync();
            if (until is null || until(reads))
            {
                return reads;
            }

            DateTime.UtcNow.Should().BeBefore(deadline, "the claim's updates reach the statistics");
            await Task.Delay(200);
        }
    }
}
