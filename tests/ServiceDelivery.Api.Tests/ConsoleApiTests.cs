using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Host.Endpoints;
using static ServiceDelivery.Api.Tests.Api;

namespace ServiceDelivery.Api.Tests;

/// <summary>What the operations console reads and does, over the API a machine uses too.</summary>
public sealed class ConsoleApiTests : IAsyncLifetime
{
    private ApiFixture _api = null!;

    public async Task InitializeAsync() => _api = await ApiFixture.CreateAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private async Task<Guid[]> ListAsync(string query)
    {
        var answer = (await _api.As(Platform).GetAsync("/api/v1/deliveries?limit=100&" + query)).ShouldBe(HttpStatusCode.OK);
        return [.. answer.Body.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("id").GetGuid())];
    }

    [Fact]
    public async Task Each_list_filter_narrows_to_the_deliveries_it_names_and_bad_values_are_refused()
    {
        var accepting = await _api.AtAsync("accepting");
        var implementing = await _api.AtAsync("implementing");
        var pending = await _api.AtAsync("requirement_pending");
        await using (var db = _api.Db())
        {
            // Acceptance due in ten hours; the implementing one silent for ten days with a failed mail.
            await db.Database.ExecuteSqlAsync($"UPDATE timers SET due_at = {HostFactory.T0.AddHours(10)} WHERE delivery_id = {accepting} AND key = 'auto_accept'");
            await db.Database.ExecuteSqlAsync($"UPDATE deliveries SET updated_at = {HostFactory.T0.AddDays(-10)} WHERE id = {implementing}");
            await db.Database.ExecuteSqlAsync($"UPDATE outbox SET status = 'failed' WHERE id = (SELECT min(id) FROM outbox WHERE delivery_id = {implementing})");
        }

        (await _api.As(Buyer).PostAsync($"/api/v1/deliveries/{pending}/tickets", new { category = "other", subject = "发票", description = "请开票" })).ShouldBe(HttpStatusCode.Created);

        (await ListAsync("dueSoon=true")).Should().Equal(accepting);
        (await ListAsync("stuckDays=7")).Should().Equal(implementing);
        (await ListAsync("stuckDays=11")).Should().BeEmpty();
        (await ListAsync("openTicket=true")).Should().Equal(pending);
        (await ListAsync("failedNotification=true")).Should().Equal(implementing);
        (await ListAsync("providerId=p-2001&stage=implementing")).Should().Equal(implementing);
        (await ListAsync("providerId=p-9999")).Should().BeEmpty();
        (await ListAsync("buyerId=u-1001&definitionKey=manual-service-delivery&definitionVersion=1")).Should().HaveCount(3);
        (await ListAsync("definitionVersion=2")).Should().BeEmpty();
        // Every delivery was created at T0 = 18:00 in China: the offset is honoured, not dropped.
        (await ListAsync("createdFrom=" + Uri.EscapeDataString("2026-11-26T18:00:00+08:00"))).Should().HaveCount(3);
        (await ListAsync("createdFrom=" + Uri.EscapeDataString("2026-11-26T18:00:01+08:00"))).Should().BeEmpty();
        (await ListAsync("createdTo=" + Uri.EscapeDataString("2026-11-26T18:00:01+08:00"))).Should().HaveCount(3);

        foreach (var bad in new[] { "stuckDays=0", "stuckDays=99999", "createdFrom=abc", "dueSoon=maybe", "definitionVersion=0", "createdFrom=2026-11-27T00:00:00Z&createdTo=2026-11-26T00:00:00Z" })
        {
            (await _api.As(Platform).GetAsync("/api/v1/deliveries?" + bad)).ShouldBe(HttpStatusCode.BadRequest, "validation_failed");
        }
    }

    [Fact]
    public async Task A_preview_shows_the_engines_decision_and_writes_nothing_and_applying_it_on_its_version_does_exactly_that()
    {
        var id = await _api.AtAsync("accepting");
        var before = await _api.SnapshotAsync();

        var preview = (await _api.As(Platform).PostAsync($"/api/v1/deliveries/{id}/admin/preview", new { kind = "move", toStage = "implementing" })).ShouldBe(HttpStatusCode.OK).Body;
        preview.GetProperty("fromStage").GetString().Should().Be("accepting");
        preview.GetProperty("toStage").GetString().Should().Be("implementing");
        preview.GetProperty("status").GetString().Should().Be("active");
        Pairs(preview.GetProperty("tasksClosed"), "role", "stage").Should().Equal("buyer/accepting");
        Pairs(preview.GetProperty("tasksOpened"), "role", "stage").Should().Equal("provider/implementing");
        Pairs(preview.GetProperty("timers"), "change", "key").Should().BeEquivalentTo("cancelled/auto_accept", "cancelled/acceptance_reminder_3d", "cancelled/acceptance_reminder_1d");
        preview.GetProperty("notifications")[0].GetProperty("template").GetString().Should().Be("delivery_moved");
        (await _api.SnapshotAsync()).Should().Be(before, "a preview writes nothing");

        (await _api.As(Platform).PostAsync($"/api/v1/deliveries/{id}/admin/preview", new { kind = "fly" })).ShouldBe(HttpStatusCode.BadRequest, "validation_failed");
        (await _api.As(Platform).PostAsync($"/api/v1/deliveries/{id}/admin/preview", new { kind = "refund", amount = 99999m })).ShouldBe(HttpStatusCode.BadRequest, "validation_failed");
        (await _api.As(Platform).PostAsync($"/api/v1/deliveries/{Guid.NewGuid()}/admin/preview", new { kind = "close" })).ShouldBe(HttpStatusCode.NotFound);
        (await _api.SnapshotAsync()).Should().Be(before);

        // Someone acts between preview and apply: the preview's version is stale, nothing is applied.
        var version = preview.GetProperty("version").GetInt32();
        (await _api.As(Buyer).PostAsync($"/api/v1/deliveries/{id}/tickets", new { category = "other", subject = "补充", description = "补充材料" })).ShouldBe(HttpStatusCode.Created);
        (await _api.As(Platform).PostAsync($"/api/v1/deliveries/{id}/admin/move", new { toStage = "implementing", reason = "恢复实施" }, ("If-Match", $"\"{version}\""))).ShouldBe(HttpStatusCode.Conflict, "version_conflict");

        var fresh = (await _api.As(Platform).PostAsync($"/api/v1/deliveries/{id}/admin/preview", new { kind = "move", toStage = "implementing" })).Body.GetProperty("version").GetInt32();
        (await _api.As(Platform).PostAsync($"/api/v1/deliveries/{id}/admin/move", new { toStage = "implementing", reason = "恢复实施" }, ("If-Match", $"\"{fresh}\""))).ShouldBe(HttpStatusCode.OK);
        await using var db = _api.Db();
        (await db.Timers.CountAsync(t => t.DeliveryId == id && t.State == "cancelled")).Should().Be(3);
        (await db.Tasks.SingleAsync(t => t.DeliveryId == id && t.ClosedAt == null)).Role.Should().Be("provider");
    }

    [Fact]
    public async Task A_deliverys_timers_tasks_and_notifications_are_listed()
    {
        var id = await _api.AtAsync("accepting");
        var timers = (await _api.As(Buyer).GetAsync($"/api/v1/deliveries/{id}/timers")).ShouldBe(HttpStatusCode.OK).Body;
        timers.GetArrayLength().Should().Be(3);
        var auto = timers.EnumerateArray().Single(t => t.GetProperty("key").GetString() == "auto_accept");
        auto.GetProperty("kind").GetString().Should().Be("action");
        auto.GetProperty("perform").GetString().Should().Be("accept");
        auto.GetProperty("state").GetString().Should().Be("running");
        auto.GetProperty("dueAt").GetDateTimeOffset().Should().Be(HostFactory.T0.AddDays(15));
        timers.EnumerateArray().Count(t => t.GetProperty("kind").GetString() == "reminder").Should().Be(2);

        var tasks = (await _api.As(Provider).GetAsync($"/api/v1/deliveries/{id}/tasks")).ShouldBe(HttpStatusCode.OK).Body;
        tasks[0].GetProperty("role").GetString().Should().Be("buyer", "the open task comes first");
        tasks[0].GetProperty("closedAt").ValueKind.Should().Be(JsonValueKind.Null);
        tasks.GetArrayLength().Should().Be(4, "requirement, confirmation, implementation and acceptance");

        var mails = (await _api.As(Platform).GetAsync($"/api/v1/deliveries/{id}/notifications")).ShouldBe(HttpStatusCode.OK).Body;
        mails.EnumerateArray().Should().NotBeEmpty().And.OnlyContain(n => n.GetProperty("deliveryId").GetGuid() == id);
        (await _api.As(OtherBuyer).GetAsync($"/api/v1/deliveries/{id}/timers")).ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Bulk_retry_requeues_only_the_failed_ones_among_the_ids()
    {
        var id = await _api.AtAsync("requirement_confirming");
        long[] failed;
        long pendingId;
        await using (var db = _api.Db())
        {
            var rows = await db.Outbox.Where(o => o.DeliveryId == id).OrderBy(o => o.Id).Select(o => o.Id).ToListAsync();
            rows.Count.Should().BeGreaterThan(2);
            failed = [rows[0], rows[1]];
            pendingId = rows[2];
            await db.Database.ExecuteSqlAsync($"UPDATE outbox SET status = 'failed', attempts = 8 WHERE id = ANY({failed})");
            await db.Database.ExecuteSqlAsync($"UPDATE outbox SET status = 'sent' WHERE id = {pendingId}");
        }

        var answer = (await _api.As(Platform).PostAsync("/api/v1/notifications/retry", new { ids = failed.Append(pendingId).ToArray() })).ShouldBe(HttpStatusCode.OK);
        answer.Body.GetProperty("retried").GetInt32().Should().Be(2);
        await using (var db = _api.Db())
        {
            (await db.Outbox.Where(o => failed.Contains(o.Id)).Select(o => o.Status).ToListAsync()).Should().OnlyContain(s => s == "pending" || s == "sending" || s == "sent");
            (await db.Outbox.SingleAsync(o => o.Id == pendingId)).Status.Should().Be("sent", "a message that did not fail is left alone");
        }

        (await _api.As(Platform).PostAsync("/api/v1/notifications/retry", new { ids = Array.Empty<long>() })).ShouldBe(HttpStatusCode.BadRequest, "validation_failed");
        (await _api.As(Platform).PostAsync("/api/v1/notifications/retry", new { ids = Enumerable.Range(1, 201).ToArray() })).ShouldBe(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task The_overview_counts_stages_reviews_tickets_and_stuck_deliveries_as_the_database_does()
    {
        await _api.AtAsync("refunding");
        var quiet = await _api.AtAsync("implementing");
        var accepting = await _api.AtAsync("accepting");
        await using (var db = _api.Db())
        {
            await db.Database.ExecuteSqlAsync($"UPDATE deliveries SET updated_at = {HostFactory.T0.AddDays(-5)} WHERE id = {quiet}");
            await db.Database.ExecuteSqlAsync($"UPDATE timers SET due_at = {HostFactory.T0.AddHours(-1)} WHERE delivery_id = {accepting} AND key = 'auto_accept'");
            await db.Database.ExecuteSqlAsync($"UPDATE outbox SET status = 'failed' WHERE id IN (SELECT id FROM outbox WHERE delivery_id = {quiet} AND kind = 'email' ORDER BY id LIMIT 2)");
        }

        var before = (await _api.As(Platform).GetAsync("/api/v1/operations/overview?stuckDays=3")).ShouldBe(HttpStatusCode.OK).Body;
        before.GetProperty("dueSoonCount").GetInt32().Should().Be(1, "the auto-acceptance fell due an hour ago and has not fired");
        before.GetProperty("timerLag").GetString().Should().Be("01:00:00");
        before.GetProperty("failedMails").GetInt32().Should().Be(2);
        before.GetProperty("failedWebhooks").GetInt32().Should().Be(0);

        (await _api.As(Buyer).PostAsync($"/api/v1/deliveries/{accepting}/tickets", new { category = "acceptance_dispute", subject = "有问题", description = "交付物不全" })).ShouldBe(HttpStatusCode.Created);

        var overview = (await _api.As(Platform).GetAsync("/api/v1/operations/overview?stuckDays=3")).ShouldBe(HttpStatusCode.OK).Body;
        overview.GetProperty("stageCounts").GetProperty("refunding").GetInt32().Should().Be(1);
        overview.GetProperty("stageCounts").GetProperty("implementing").GetInt32().Should().Be(1);
        overview.GetProperty("refundReviewCount").GetInt32().Should().Be(1);
        overview.GetProperty("stuckCount").GetInt32().Should().Be(1);
        overview.GetProperty("openTickets")[0].GetProperty("category").GetString().Should().Be("acceptance_dispute");
        overview.GetProperty("perDay").GetArrayLength().Should().Be(14);
        overview.GetProperty("perDay")[13].GetProperty("started").GetInt32().Should().Be(3, "three deliveries started today (China time)");

        (await _api.As(Platform).GetAsync("/api/v1/operations/overview?stuckDays=6")).Body.GetProperty("stuckCount").GetInt32().Should().Be(0);
        (await _api.As(Platform).GetAsync("/api/v1/operations/overview?stuckDays=0")).ShouldBe(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task Provider_analytics_rate_the_decisions_taken_and_refuse_a_bad_range()
    {
        await _api.AtAsync("completed");
        await _api.AtAsync("requirement_rejected");
        await _api.AtAsync("refunded");
        var figures = (await _api.As(Platform).GetAsync("/api/v1/operations/providers?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z")).ShouldBe(HttpStatusCode.OK).Body;
        var row = figures.EnumerateArray().Single(r => r.GetProperty("providerId").GetString() == "p-2001");
        row.GetProperty("deliveries").GetInt32().Should().Be(3);
        row.GetProperty("requirementRejectionRate").GetDouble().Should().Be(0.5, "one rejection, one confirmation");
        row.GetProperty("deliveryRejectionRate").GetDouble().Should().Be(0);
        row.GetProperty("autoAcceptanceRate").GetDouble().Should().Be(0, "the buyer accepted");
        row.GetProperty("refundRate").GetDouble().Should().BeApproximately(1 / 3.0, 0.0001);
        row.GetProperty("ticketsPerDelivery").GetDouble().Should().Be(0);

        (await _api.As(Platform).GetAsync("/api/v1/operations/providers?to=2026-12-01T00:00:00Z")).ShouldBe(HttpStatusCode.BadRequest, "validation_failed");
        (await _api.As(Platform).GetAsync("/api/v1/operations/providers?from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z")).ShouldBe(HttpStatusCode.BadRequest, "validation_failed");
        (await _api.As(Platform).GetAsync("/api/v1/operations/providers?from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z")).ShouldBe(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Theory]
    [InlineData("张三", "张三")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("说\"好\"", "\"说\"\"好\"\"\"")]
    [InlineData("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"")]
    [InlineData("+1", "'+1")]
    [InlineData("line\nbreak", "\"line\nbreak\"")]
    [InlineData("\n=1+1", "\"'\n=1+1\"")]
    [InlineData(" =1+1", "' =1+1")]
    [InlineData("\u00A0=1+1", "'\u00A0=1+1")]
    [InlineData("\u200B@SUM(A1)", "'\u200B@SUM(A1)")]
    [InlineData("\u3000-1", "'\u3000-1")]
    [InlineData("＝1+1", "'＝1+1")]
    [InlineData("＋1", "'＋1")]
    [InlineData("\t=1", "'\t=1")]
    [InlineData("  数据库 = 迁移", "  数据库 = 迁移")]
    public void Csv_cells_are_quoted_when_needed_and_never_run_as_formulas(string value, string cell) => Csv.Cell(value).Should().Be(cell);

    private static IEnumerable<string> Pairs(JsonElement array, string first, string second) =>
        array.EnumerateArray().Select(e => e.GetProperty(first).GetString() + "/" + e.GetProperty(second).GetString());
}
