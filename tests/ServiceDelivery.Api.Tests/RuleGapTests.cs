using System.Net;
using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Application.Common;

namespace ServiceDelivery.Api.Tests;

/// <summary>
/// Rules a review found open: every refund path obeys the invoice rule, amounts carry the currency's minor units,
/// tickets are idempotent with at most one open dispute, a moving deadline is always logged, and a replayed key
/// never answers a caller who may no longer see the delivery.
/// </summary>
public sealed class RuleGapTests : IAsyncLifetime
{
    private ApiFixture _api = null!;

    public async Task InitializeAsync() => _api = await ApiFixture.CreateAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Theory]
    [InlineData("requested")]
    [InlineData("issued")]
    public async Task A_ticket_resolved_with_a_refund_is_refused_while_an_invoice_stands_and_changes_nothing(string invoice)
    {
        var id = await _api.AtAsync("implementing");
        (await _api.As(Api.Marketplace).PutAsync($"/api/v1/deliveries/{id}/invoice", new { status = invoice })).ShouldBe(HttpStatusCode.OK);
        var ticket = await OpenTicketAsync(id, "refund_after_confirmation");
        var before = await _api.SnapshotAsync();

        var refused = await _api.As(Api.Platform).PostAsync($"/api/v1/tickets/{ticket}/resolve", new { outcome = "refund", amount = 600.00m, note = "协商退一半" });

        refused.ShouldBe(HttpStatusCode.Conflict, "invoice_blocks_refund");
        refused.Body.GetProperty("guard").GetString().Should().Be("invoice_none_or_returned");
        (await _api.SnapshotAsync()).Should().Be(before, "the ticket stays open and nothing is paid");
        (await _api.As(Api.Platform).GetAsync($"/api/v1/tickets/{ticket}")).Str("status").Should().Be("open");
    }

    [Fact]
    public async Task An_intervention_refund_or_a_move_to_refunded_is_refused_while_an_invoice_stands_and_allowed_once_it_is_returned()
    {
        var id = await _api.AtAsync("accepting");
        (await _api.As(Api.Marketplace).PutAsync($"/api/v1/deliveries/{id}/invoice", new { status = "issued" })).ShouldBe(HttpStatusCode.OK);

        (await _api.As(Api.Platform).PostAsync($"/api/v1/deliveries/{id}/admin/refund", new { reason = "平台判定退款", amount = 300.00m }))
            .ShouldBe(HttpStatusCode.Conflict, "invoice_blocks_refund");
        (await _api.As(Api.Platform).PostAsync($"/api/v1/deliveries/{id}/admin/move", new { toStage = "refunded", reason = "平台判定退款" }))
            .ShouldBe(HttpStatusCode.Conflict, "invoice_blocks_refund");
        (await _api.As(Api.Marketplace).PutAsync($"/api/v1/deliveries/{id}/invoice", new { status = "returned" })).ShouldBe(HttpStatusCode.OK);

        var refunded = await _api.As(Api.Platform).PostAsync($"/api/v1/deliveries/{id}/admin/refund", new { reason = "平台判定退款", amount = 300.00m });

        refunded.ShouldBe(HttpStatusCode.OK);
        refunded.Str("stage").Should().Be("refunded");
    }

    [Theory]
    [InlineData(0.004)]
    [InlineData(100.001)]
    public async Task Amounts_finer_than_the_currency_allows_are_refused_not_rounded(double amount)
    {
        var id = await _api.AtAsync("implementing");
        var ticket = await OpenTicketAsync(id, "refund_after_confirmation");
        var before = await _api.SnapshotAsync();

        var resolve = await _api.As(Api.Platform).PostAsync($"/api/v1/tickets/{ticket}/resolve", new { outcome = "refund", amount = (decimal)amount, note = "协商退款" });
        var intervene = await _api.As(Api.Platform).PostAsync($"/api/v1/deliveries/{id}/admin/refund", new { reason = "退款", amount = (decimal)amount });
        var order = await _api.As(Api.Marketplace).PostAsync("/api/v1/deliveries", Api.Order(_api.NextOrder(), (decimal)amount));

        resolve.ShouldBe(HttpStatusCode.BadRequest, "validation_failed").Body.GetProperty("errors").TryGetProperty("amount", out _).Should().BeTrue();
        intervene.ShouldBe(HttpStatusCode.BadRequest, "validation_failed").Body.GetProperty("errors").TryGetProperty("amount", out _).Should().BeTrue();
        order.ShouldBe(HttpStatusCode.BadRequest, "validation_failed").Body.GetProperty("errors").GetProperty("paidAmount")[0].GetString().Should().Contain("2");
        (await _api.SnapshotAsync()).Should().Be(before);
    }

    [Fact]
    public async Task A_currency_without_minor_units_takes_whole_amounts_only()
    {
        var order = new Dictionary<string, object?>
        {
            ["orderId"] = _api.NextOrder(),
            ["product"] = new { id = "prod-db-migration", name = "数据库迁移服务" },
            ["buyer"] = new { id = "u-1001", name = "张三", email = "buyer@example.com" },
            ["provider"] = new { id = "p-2001", name = "云迁科技", email = "ops@provider.example" },
            ["paidAmount"] = 1200.50m,
            ["couponAmount"] = 0m,
            ["currency"] = "JPY",
            ["paidAt"] = "2026-11-26T10:00:00Z",
        };

        var fractional = await _api.As(Api.Marketplace).PostAsync("/api/v1/deliveries", order);
        order["paidAmount"] = 1200m;
        var whole = await _api.As(Api.Marketplace).PostAsync("/api/v1/deliveries", order);

        fractional.ShouldBe(HttpStatusCode.BadRequest, "validation_failed");
        whole.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Opening_a_ticket_twice_with_one_idempotency_key_opens_one_ticket_and_answers_it_twice()
    {
        var id = await _api.AtAsync("implementing");
        var body = new { category = "other", subject = "联系不上服务商", description = "三天没有回复", attachmentIds = Array.Empty<Guid>() };

        var first = await _api.As(Api.Buyer).PostAsync($"/api/v1/deliveries/{id}/tickets", body, ("Idempotency-Key", "ticket-1"));
        var again = await _api.As(Api.Buyer).PostAsync($"/api/v1/deliveries/{id}/tickets", body, ("Idempotency-Key", "ticket-1"));
        var other = await _api.As(Api.Buyer).PostAsync($"/api/v1/deliveries/{id}/tickets", body with { subject = "另一个问题" }, ("Idempotency-Key", "ticket-1"));

        first.ShouldBe(HttpStatusCode.Created);
        again.ShouldBe(HttpStatusCode.Created);
        again.Str("id").Should().Be(first.Str("id"));
        other.ShouldBe(HttpStatusCode.Conflict, "idempotency_key_reused");
        await using var db = _api.Db();
        (await db.Tickets.CountAsync(t => t.DeliveryId == id)).Should().Be(1);
    }

    [Fact]
    public async Task A_second_acceptance_dispute_while_one_is_open_is_a_clear_conflict()
    {
        var id = await _api.AtAsync("accepting");
        await OpenTicketAsync(id, "acceptance_dispute");
        var before = await _api.SnapshotAsync();

        var second = await _api.As(Api.Provider).PostAsync($"/api/v1/deliveries/{id}/tickets", new { category = "acceptance_dispute", subject = "验收标准不一致", description = "买家要求超出范围" });
        var english = await new Api(_api.Host.ClientFor(Api.Provider, "en")).PostAsync($"/api/v1/deliveries/{id}/tickets", new { category = "acceptance_dispute", subject = "again", description = "again" });

        second.ShouldBe(HttpStatusCode.Conflict, "dispute_already_open");
        second.Str("detail").Should().Contain("验收争议");
        english.Str("detail").Should().Contain("already has an open acceptance dispute");
        (await _api.SnapshotAsync()).Should().Be(before);
        (await _api.As(Api.Provider).PostAsync($"/api/v1/deliveries/{id}/tickets", new { category = "other", subject = "其他问题", description = "补充说明" }))
            .ShouldBe(HttpStatusCode.Created, null);
    }

    [Fact]
    public async Task The_log_says_when_a_dispute_stopped_the_acceptance_clock_and_when_it_ran_again()
    {
        var id = await _api.AtAsync("accepting");
        var ticket = await OpenTicketAsync(id, "acceptance_dispute");
        (await _api.As(Api.Platform).PostAsync($"/api/v1/tickets/{ticket}/resolve", new { outcome = "no_change", note = "交付符合需求" })).ShouldBe(HttpStatusCode.OK);

        var log = (await _api.As(Api.Buyer).GetAsync($"/api/v1/deliveries/{id}/log")).Body.EnumerateArray().ToList();

        var frozen = log.Single(e => e.GetProperty("action").GetString() == "clock_frozen");
        frozen.GetProperty("actionName").GetString().Should().Be("验收计时暂停（验收争议处理中）");
        frozen.GetProperty("actor").GetProperty("role").GetString().Should().Be("buyer");
        frozen.GetProperty("data").GetProperty("remaining").GetString().Should().Be("P15D");
        var resumed = log.Single(e => e.GetProperty("action").GetString() == "clock_resumed");
        resumed.GetProperty("actor").GetProperty("role").GetString().Should().Be("platform");
        resumed.GetProperty("data").GetProperty("dueAt").GetString().Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task A_replayed_key_of_staff_who_left_the_provider_answers_not_found_not_the_delivery()
    {
        var id = await _api.AtAsync("implementing");
        var before = Caller.ProviderStaff("s-2001", "李四", "p-2001");
        var after = Caller.ProviderStaff("s-2001", "李四", "p-7777");
        (await new Api(_api.Host.ClientFor(before)).ActAsync(id, "post_progress", null, ("Idempotency-Key", "progress-1"))).ShouldBe(HttpStatusCode.OK);

        var replay = await new Api(_api.Host.ClientFor(after)).ActAsync(id, "post_progress", null, ("Idempotency-Key", "progress-1"));

        replay.ShouldBe(HttpStatusCode.NotFound, "not_found");
    }

    private async Task<string> OpenTicketAsync(Guid id, string category)
    {
        var opened = await _api.As(Api.Buyer).PostAsync($"/api/v1/deliveries/{id}/tickets", new { category, subject = "验收争议", description = "交付物与需求不符" });
        opened.ShouldBe(HttpStatusCode.Created);
        return opened.Str("id");
    }

    [Fact]
    public async Task Two_designers_on_one_draft_the_stale_save_and_the_stale_publish_are_refused_and_nothing_is_lost()
    {
        var shipped = (await File.ReadAllTextAsync(Path.Combine(Testing.TestDatabase.WorkflowsFolder, "manual-service-delivery.json")))
            .Replace("\"manual-service-delivery\"", "\"two-designers\"", StringComparison.Ordinal);
        var first = _api.As(Api.Designer);
        var second = _api.As(new Caller("designer-2", "设计师乙", null, new HashSet<string> { Caller.Designer }), "en");
        const string Url = "/api/v1/definitions/two-designers/draft";

        var created = (await first.SendAsync(WithIfMatch(HttpMethod.Put, Url, shipped, "0"))).ShouldBe(HttpStatusCode.OK);
        created.Headers.ETag!.Tag.Should().Be("\"1\"");
        created.Body.GetProperty("revision").GetInt32().Should().Be(1);
        var readByBoth = (await first.GetAsync("/api/v1/definitions/two-designers")).Body.GetProperty("draft").GetProperty("revision").GetInt32();
        var mine = shipped.Replace("\"P15D\"", "\"P10D\"", StringComparison.Ordinal);
        var theirs = shipped.Replace("\"P15D\"", "\"P20D\"", StringComparison.Ordinal);

        (await first.SendAsync(WithIfMatch(HttpMethod.Put, Url, mine, $"\"{readByBoth}\""))).ShouldBe(HttpStatusCode.OK).Headers.ETag!.Tag.Should().Be("\"2\"");
        var stale = await second.SendAsync(WithIfMatch(HttpMethod.Put, Url, theirs, $"\"{readByBoth}\""));
        var stalePublish = await second.SendAsync(WithIfMatch(HttpMethod.Post, "/api/v1/definitions/two-designers/publish", null, $"\"{readByBoth}\""));

        stale.ShouldBe(HttpStatusCode.Conflict, "version_conflict");
        stalePublish.ShouldBe(HttpStatusCode.Conflict, "version_conflict");
        var draft = (await first.GetAsync("/api/v1/definitions/two-designers")).Body.GetProperty("draft");
        draft.GetProperty("definition").ToString().Should().Contain("P10D", "the first designer's save is kept").And.NotContain("P20D");
        draft.GetProperty("revision").GetInt32().Should().Be(2);
        (await first.SendAsync(WithIfMatch(HttpMethod.Post, "/api/v1/definitions/two-designers/publish", null, "\"2\""))).ShouldBe(HttpStatusCode.OK)
            .Body.GetProperty("version").GetInt32().Should().Be(1);
    }

    private static HttpRequestMessage WithIfMatch(HttpMethod method, string url, string? json, string ifMatch)
    {
        var request = new HttpRequestMessage(method, url) { Content = json is null ? null : new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return request;
    }
}
