using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Application.Operations;
using ServiceDelivery.Persistence;
using ServiceDelivery.Testing;
using static ServiceDelivery.Integration.Tests.AppHarness;

namespace ServiceDelivery.Integration.Tests;

/// <summary>
/// What keeps reads cheap as the tables grow: the platform's stage counts come from kept counters (exact, whatever
/// writes them), "who may download this file" is an index lookup, and what operators refresh (stuck deliveries, open
/// refund reviews) is an index range.
/// </summary>
public sealed class GrowthTests : IAsyncLifetime
{
    private AppHarness _app = null!;

    public async Task InitializeAsync() => _app = await AppHarness.CreateAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<Dictionary<string, int>> CountedAsync()
    {
        await using var db = _app.Db();
        return await db.Deliveries.GroupBy(d => d.Stage).ToDictionaryAsync(g => g.Key, g => g.Count());
    }

    private async Task<Dictionary<string, int>> KeptAsync()
    {
        await using var db = _app.Db();
        return await StageCounts.ReadAsync(db, CancellationToken.None);
    }

    /// <summary>Runs <paramref name="work"/> while two connections fold the kept counters in a loop.</summary>
    private async Task CompactingOnTwoConnectionsAsync(Func<ServiceDeliveryDbContext, CancellationToken, Task<int>> compact, Func<Task> work)
    {
        using var stop = new CancellationTokenSource();
        var compactors = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await using var db = _app.Db();
                await compact(db, CancellationToken.None);
            }
        })).ToList();
        await work();
        await stop.CancelAsync();
        await Task.WhenAll(compactors);
    }

    [Fact]
    public async Task Kept_stage_counts_equal_a_full_count_after_starts_actions_timers_interventions_concurrency_deletes_and_compaction()
    {
        foreach (var stage in new[] { "requirement_pending", "implementing", "accepting", "accepting", "refunding" })
        {
            await _app.AtAsync(stage);
        }

        var busy = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => _app.AtAsync("requirement_confirming")));
        await Task.WhenAll(busy.Select(d => Task.Run(() => _app.TryActAsync(Provider, d.Id, d.Id.GetHashCode() % 2 == 0 ? "confirm_requirement" : "reject_requirement"))));
        (await _app.AdvanceAsync(TimeSpan.FromDays(16))).Should().BeGreaterThan(0, "auto-acceptance moved the accepting ones");
        (await _app.InterveneAsync(new InterveneRequest(busy[0].Id, "close", null, "测试关闭"))).IsSuccess.Should().BeTrue();
        await using (var db = _app.Db())
        {
            await db.Deliveries.Where(d => d.Id == busy[1].Id).ExecuteDeleteAsync();
        }

        (await KeptAsync()).Should().BeEquivalentTo(await CountedAsync());
        (await CountedAsync())["completed"].Should().Be(2, "the check compares real movement, not two empty tables");

        await using (var db = _app.Db())
        {
            await StageCounts.CompactAsync(db, CancellationToken.None);
            (await db.Database.SqlQuery<long>($"SELECT count(*) AS \"Value\" FROM stage_counts").SingleAsync()).Should().BeLessThanOrEqualTo((await CountedAsync()).Count, "one row per stage after compaction");
        }

        (await KeptAsync()).Should().BeEquivalentTo(await CountedAsync());
    }

    [Fact]
    public async Task Kept_counts_per_version_follow_a_delivery_moved_to_another_version_and_survive_compaction()
    {
        var moved = await _app.AtAsync("implementing");
        await _app.AtAsync("implementing");
        await _app.AtAsync("requirement_pending");
        await using var db = _app.Db();
        var key = await db.Deliveries.Where(d => d.Id == moved.Id).Select(d => d.DefinitionKey).SingleAsync();

        // What a migration batch does to a delivery: the version changes, the stage stays.
        await db.Deliveries.Where(d => d.Id == moved.Id).ExecuteUpdateAsync(set => set.SetProperty(d => d.DefinitionVersion, d => d.DefinitionVersion + 1));
        async Task<Dictionary<(int, string), int>> CountedPerVersionAsync() =>
            (await db.Deliveries.Where(d => d.DefinitionKey == key).GroupBy(d => new { d.DefinitionVersion, d.Stage }).Select(g => new { g.Key, Count = g.Count() }).ToListAsync())
            .ToDictionary(g => (g.Key.DefinitionVersion, g.Key.Stage), g => g.Count);
        async Task<Dictionary<(int, string), int>> KeptPerVersionAsync() =>
            (await StageCounts.ReadPerVersionAsync(db, key, CancellationToken.None)).ToDictionary(c => (c.Version, c.Stage), c => c.Count);

        var counted = await CountedPerVersionAsync();
        counted.Keys.Select(k => k.Item1).Distinct().Should().HaveCount(2, "the check compares two versions");
        (await KeptPerVersionAsync()).Should().BeEquivalentTo(counted);
        await StageCounts.CompactAsync(db, CancellationToken.None);
        (await KeptPerVersionAsync()).Should().BeEquivalentTo(counted);
        (await KeptAsync()).Should().BeEquivalentTo(await CountedAsync(), "the sum over versions is still every stage's count");
    }

    [Fact]
    public async Task Compacting_on_two_connections_while_deliveries_move_keeps_the_counts_exact()
    {
        var deliveries = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => _app.AtAsync("requirement_pending")));
        await CompactingOnTwoConnectionsAsync(StageCounts.CompactAsync, () => Task.WhenAll(deliveries.Select(d => Task.Run(() => _app.ActAsync(Buyer, d.Id, "submit_requirement")))));

        (await KeptAsync()).Should().BeEquivalentTo(await CountedAsync());
        (await KeptAsync())["requirement_confirming"].Should().Be(20);
    }

    [Fact]
    public async Task The_kept_count_of_open_platform_tasks_equals_a_full_count_after_refunds_decisions_assignment_deletes_and_compaction()
    {
        async Task<int> CountedReviewsAsync()
        {
            await using var db = _app.Db();
            return await db.Tasks.CountAsync(t => t.ClosedAt == null && t.Role == "platform" && t.AssigneeId == null);
        }

        async Task<int> KeptReviewsAsync()
        {
            await using var db = _app.Db();
            return await db.Database.SqlQuery<int>($"SELECT coalesce(sum(n), 0)::int AS \"Value\" FROM open_platform_task_counts").SingleAsync();
        }

        async Task<int> OverviewReviewsAsync() =>
            (await _app.InScope(sp => sp.GetRequiredService<OperationsOverview>().ReadAsync(Platform, 3, CancellationToken.None))).Unwrap().RefundReviewCount;

        var refunding = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _app.AtAsync("refunding")));
        await _app.AtAsync("implementing");
        (await CountedReviewsAsync()).Should().Be(8, "each refund request opened one platform review");

        await CompactingOnTwoConnectionsAsync(OpenPlatformTaskCounts.CompactAsync, () => Task.WhenAll(
            _app.ActAsync(Platform, refunding[0].Id, "approve_refund"),
            _app.ActAsync(Platform, refunding[1].Id, "approve_refund"),
            _app.ActAsync(Platform, refunding[2].Id, "reject_refund", ValidFields("reject_refund"))));
        (await _app.InterveneAsync(new InterveneRequest(refunding[3].Id, "close", null, "测试关闭"))).IsSuccess.Should().BeTrue();
        await using (var db = _app.Db())
        {
            // Assigned to someone, the review is no longer the platform's open queue; a deleted delivery takes its tasks.
            await db.Tasks.Where(t => t.DeliveryId == refunding[4].Id && t.ClosedAt == null).ExecuteUpdateAsync(set => set.SetProperty(t => t.AssigneeId, "op-9"));
            await db.Tasks.Where(t => t.DeliveryId == refunding[5].Id).ExecuteDeleteAsync();
        }

        (await CountedReviewsAsync()).Should().Be(2, "the check compares real movement, not two empty tables");
        (await KeptReviewsAsync()).Should().Be(await CountedReviewsAsync());
        (await OverviewReviewsAsync()).Should().Be(2);

        await using (var db = _app.Db())
        {
            await OpenPlatformTaskCounts.CompactAsync(db, CancellationToken.None);
            (await db.Database.SqlQuery<long>($"SELECT count(*) AS \"Value\" FROM open_platform_task_counts").SingleAsync()).Should().Be(1, "one row after compaction");
        }

        (await KeptReviewsAsync()).Should().Be(2);
        (await OverviewReviewsAsync()).Should().Be(2);
    }

    [Fact]
    public async Task Finding_the_deliveries_that_use_a_file_can_use_the_attachment_indexes()
    {
        await using var connection = new NpgsqlConnection(_app.ConnectionString);
        await connection.OpenAsync();
        await using (var off = new NpgsqlCommand("SET enable_seqscan = off", connection))
        {
            // On a table this small a scan is cheapest; forbidding it shows whether an index *can* answer.
            await off.ExecuteNonQueryAsync();
        }

        foreach (var (table, index) in new[] { ("process_log", "ix_process_log_attachment_ids"), ("tickets", "ix_tickets_attachment_ids"), ("ticket_messages", "ix_ticket_messages_attachment_ids") })
        {
            await using var explain = new NpgsqlCommand(
                $"EXPLAIN SELECT 1 FROM {table} WHERE cardinality(attachment_ids) > 0 AND attachment_ids @> ARRAY['{Guid.NewGuid()}'::uuid]", connection);
            var plan = string.Join("\n", await ReadAllAsync(explain));
            plan.Should().Contain(index, $"the download check on {table} is an index lookup");
        }
    }

    [Fact]
    public async Task Stuck_deliveries_are_those_quiet_since_the_instant_across_the_day_boundary_in_the_list_and_the_capped_count()
    {
        // T0 is 10:00 UTC: three days back, the boundary day is the 23rd and only its writes before 10:00 count.
        var since = T0.AddDays(-3);
        var day = new DateTimeOffset(since.UtcDateTime.Date, TimeSpan.Zero);
        var quiet = new Dictionary<string, DateTimeOffset>
        {
            ["days before"] = since.AddDays(-3),
            ["last instant of the day before"] = day.AddTicks(-10),
            ["boundary day, just before"] = since.AddSeconds(-1),
            ["boundary day, at the instant"] = since,
            ["boundary day, later"] = day.AddDays(1).AddMinutes(-1),
            ["the next day"] = day.AddDays(1),
        };
        var ids = new Dictionary<string, Guid>();
        foreach (var name in quiet.Keys)
        {
            ids[name] = (await _app.AtAsync("implementing")).Id;
        }

        var paused = (await _app.AtAsync("refunding")).Id;
        await using (var db = _app.Db())
        {
            foreach (var (name, at) in quiet)
            {
                await db.Deliveries.Where(d => d.Id == ids[name]).ExecuteUpdateAsync(u => u.SetProperty(d => d.UpdatedAt, at));
            }

            await db.Deliveries.Where(d => d.Id == paused).ExecuteUpdateAsync(u => u.SetProperty(d => d.UpdatedAt, since.AddDays(-10)));
        }

        Guid[] stuck = [ids["days before"], ids["last instant of the day before"], ids["boundary day, just before"]];
        (await StuckListAsync(3)).Should().BeEquivalentTo(stuck, "active and nothing written since the instant three days ago");
        (await StuckCountAsync(3)).Should().Be(3);
        (await StuckListAsync(4)).Should().BeEquivalentTo([ids["days before"]]);
        (await StuckCountAsync(4)).Should().Be(1);

        // Page by page (two at a time), the list walks the same deliveries once, newest first.
        var first = (await ListAsync(new DeliveryFilter(Limit: 2) { StuckDays = 3 })).Unwrap();
        var second = (await ListAsync(new DeliveryFilter(Cursor: first.NextCursor, Limit: 2) { StuckDays = 3 })).Unwrap();
        first.Items.Concat(second.Items).Select(d => d.Id).Should().BeEquivalentTo(stuck).And.OnlyHaveUniqueItems();
        second.NextCursor.Should().BeNull();

        // The count is capped at CountCap + 1 whether it fills up before the boundary day or on it.
        await CloneAsync(ids["days before"], OperationsOverview.CountCap - 4, since.AddDays(-5));
        (await StuckCountAsync(3)).Should().Be(OperationsOverview.CountCap - 1, "9,996 clones and 2 more from earlier days, 1 of the boundary day");
        await CloneAsync(ids["days before"], 1, since.AddHours(-1));
        (await StuckCountAsync(3)).Should().Be(OperationsOverview.CountCap, "exactly the cap is not more than it");
        await CloneAsync(ids["days before"], 3, since.AddHours(-2));
        (await StuckCountAsync(3)).Should().Be(OperationsOverview.CountCap + 1, "over the cap, counted on the boundary day");
        await CloneAsync(ids["days before"], 3, since.AddDays(-4));
        (await StuckCountAsync(3)).Should().Be(OperationsOverview.CountCap + 1, "over the cap before the boundary day");
        (await StuckCountAsync(4)).Should().Be(OperationsOverview.CountCap - 4 + 3 + 1);
    }

    [Fact]
    public async Task The_stuck_list_and_the_platforms_oldest_reviews_can_be_index_ranges_in_order()
    {
        await using var connection = new NpgsqlConnection(_app.ConnectionString);
        await connection.OpenAsync();
        await using (var off = new NpgsqlCommand("SET enable_seqscan = off; SET enable_bitmapscan = off", connection))
        {
            await off.ExecuteNonQueryAsync();
        }

        // The recently written are skipped on the index's day column (an index condition), not row by row on the heap.
        await using var stuck = new NpgsqlCommand(
            "EXPLAIN SELECT * FROM deliveries WHERE status = 'active' AND updated_on <= DATE '2026-11-23' AND updated_at < TIMESTAMPTZ '2026-11-23 10:00Z' ORDER BY created_at DESC, id DESC LIMIT 51", connection);
        var plan = string.Join("\n", await ReadAllAsync(stuck));
        plan.Should().Contain("ix_deliveries_active_created_at_id_updated_on").And.MatchRegex("Index Cond: .*updated_on").And.NotContain("Sort");

        await using var reviews = new NpgsqlCommand(
            "EXPLAIN SELECT delivery_id, opened_at FROM tasks WHERE closed_at IS NULL AND role = 'platform' AND assignee_id IS NULL ORDER BY opened_at LIMIT 10", connection);
        plan = string.Join("\n", await ReadAllAsync(reviews));
        plan.Should().Contain("ix_tasks_platform_open_opened_at_id").And.NotContain("Sort", "the oldest reviews are read in order, not all sorted");
    }

    [Fact]
    public async Task The_console_typeahead_finds_each_party_once_by_part_of_its_name_or_the_start_of_its_id()
    {
        foreach (var (id, name) in new[] { ("u-2001", "李雷"), ("u-2002", "李华"), ("u-3001", "韩梅梅") })
        {
            await _app.TryStartAsync(_app.Order() with { Buyer = new OrderParty(id, name, "b@example.com", null) });
            await _app.TryStartAsync(_app.Order() with { Buyer = new OrderParty(id, name, "b@example.com", null) });
        }

        Task<IReadOnlyList<PartyOption>> Find(PartyKind kind, string text) =>
            _app.InScope(sp => sp.GetRequiredService<DeliveryQueries>().PartiesAsync(kind, text, 20, CancellationToken.None));

        (await Find(PartyKind.Buyer, "李")).Should().Equal(new PartyOption("u-2002", "李华"), new PartyOption("u-2001", "李雷"));
        (await Find(PartyKind.Buyer, "梅")).Should().Equal(new PartyOption("u-3001", "韩梅梅"));
        (await Find(PartyKind.Buyer, "u-200")).Select(p => p.Id).Should().Equal("u-2002", "u-2001");
        (await Find(PartyKind.Buyer, "%")).Should().BeEmpty("a wildcard is a character to find, not a pattern");
        (await Find(PartyKind.Provider, "")).Should().Equal(new PartyOption("p-2001", "云迁科技"));
    }

    [Fact]
    public async Task The_console_filters_by_several_stages_while_the_api_keeps_one()
    {
        var pending = await _app.StartAsync();
        var confirming = await _app.StartAsync();
        await _app.ActAsync(Buyer, confirming.Id, "submit_requirement");
        await _app.StartAsync(); // a third, pending too

        var console = DeliveryFilter.FromConsoleQuery("stage=requirement_confirming&stage=requirement_pending");
        var api = DeliveryFilter.FromQuery("stage=requirement_confirming&stage=requirement_pending");

        console.Stages.Should().Equal("requirement_confirming", "requirement_pending");
        (await ListAsync(console with { Limit = 100 })).Unwrap().Items.Should().HaveCount(3).And.Contain(d => d.Id == pending.Id).And.Contain(d => d.Id == confirming.Id);
        api.Stages.Should().BeNull("API.md documents one stage");
        (await ListAsync(api)).Unwrap().Items.Should().BeEmpty("the API's stage is one value, as before");
    }

    private Task<ServiceDelivery.Application.Common.Result<Page<DeliveryView>>> ListAsync(DeliveryFilter filter) =>
        _app.InScope(sp => sp.GetRequiredService<DeliveryQueries>().ListAsync(Platform, filter, CancellationToken.None));

    private async Task<Guid[]> StuckListAsync(int days) =>
        [.. (await ListAsync(new DeliveryFilter(Limit: 100) { StuckDays = days })).Unwrap().Items.Select(d => d.Id)];

    private async Task<int> StuckCountAsync(int days) =>
        (await _app.InScope(sp => sp.GetRequiredService<OperationsOverview>().ReadAsync(Platform, days, CancellationToken.None))).Unwrap().StuckCount;

    /// <summary>Copies of an active delivery last written at <paramref name="updatedAt"/> (a bulk insert, not the application).</summary>
    private async Task CloneAsync(Guid source, int count, DateTimeOffset updatedAt)
    {
        await using var db = _app.Db();
        var columns = await db.Database.SqlQuery<string>($"""
            SELECT string_agg(quote_ident(column_name), ', ') AS "Value" FROM information_schema.columns
            WHERE table_name = 'deliveries' AND is_generated = 'NEVER' AND column_name NOT IN ('id', 'order_id', 'updated_at')
            """).SingleAsync();
        var prefix = Guid.NewGuid().ToString("N")[..8];
        // Column names from the catalog and a hex prefix: nothing in the text comes from outside.
        var sql = $"INSERT INTO deliveries (id, order_id, updated_at, {columns}) SELECT gen_random_uuid(), 'CLONE-{prefix}-' || n, @at, {columns} " +
            "FROM deliveries CROSS JOIN generate_series(1, @count) AS n WHERE id = @source";
        await db.Database.ExecuteSqlRawAsync(sql, new NpgsqlParameter("at", updatedAt), new NpgsqlParameter("count", count), new NpgsqlParameter("source", source));
    }

    private static async Task<List<string>> ReadAllAsync(NpgsqlCommand command)
    {
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return lines;
    }
}
