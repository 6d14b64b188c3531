using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Testing;
using static ServiceDelivery.Integration.Tests.AppHarness;

namespace ServiceDelivery.Integration.Tests;

/// <summary>
/// What keeps reads cheap as the tables grow: the platform's stage counts come from kept counters (exact, whatever
/// writes them), and "who may download this file" is an index lookup.
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
    public async Task Compacting_on_two_connections_while_deliveries_move_keeps_the_counts_exact()
    {
        var deliveries = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => _app.AtAsync("requirement_pending")));
        using var stop = new CancellationTokenSource();
        var compactors = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await using var db = _app.Db();
                await StageCounts.CompactAsync(db, CancellationToken.None);
            }
        })).ToList();

        await Task.WhenAll(deliveries.Select(d => Task.Run(() => _app.ActAsync(Buyer, d.Id, "submit_requirement"))));
        await stop.CancelAsync();
        await Task.WhenAll(compactors);

        (await KeptAsync()).Should().BeEquivalentTo(await CountedAsync());
        (await KeptAsync())["requirement_confirming"].Should().Be(20);
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
