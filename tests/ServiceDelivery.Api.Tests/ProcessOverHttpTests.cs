using System.Net;
using System.Text.Json;
using static ServiceDelivery.Api.Tests.Api;

namespace ServiceDelivery.Api.Tests;

/// <summary>Every path of the process over HTTP, as the real roles, with the process log checked step by step.</summary>
public sealed class ProcessOverHttpTests : IAsyncLifetime
{
    private ApiFixture _api = null!;

    public async Task InitializeAsync() => _api = await ApiFixture.CreateAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private async Task<IReadOnlyList<(string Action, string Role, string? From, string To)>> LogAsync(Guid id, Api? reader = null)
    {
        var log = (await (reader ?? _api.As(Buyer)).GetAsync($"/api/v1/deliveries/{id}/log")).ShouldBe(HttpStatusCode.OK).Body;
        log.EnumerateArray().Select(e => e.GetProperty("seq").GetInt32()).Should().BeInAscendingOrder();
        return [.. log.EnumerateArray().Select(e => (
            e.GetProperty("action").GetString()!,
            e.GetProperty("actor").GetProperty("role").GetString()!,
            e.GetProperty("fromStage").GetString(),
            e.GetProperty("toStage").GetString()!))];
    }

    [Fact]
    public async Task Happy_path_from_paid_order_to_completion()
    {
        var started = await _api.As(Marketplace).PostAsync("/api/v1/deliveries", Order("ORD-HTTP-HAPPY"));
        started.ShouldBe(HttpStatusCode.Created);
        started.Headers.Location!.ToString().Should().Be($"/api/v1/deliveries/{started.Body.GetProperty("id").GetGuid()}");
        started.Headers.ETag!.Tag.Should().Be("\"1\"");
        var id = started.Body.GetProperty("id").GetGuid();

        var buyerView = (await _api.As(Buyer).GetAsync($"/api/v1/deliveries/{id}")).ShouldBe(HttpStatusCode.OK).Body;
        buyerView.GetProperty("stageName").GetString().Should().Be("需求待提交");
        buyerView.GetProperty("availableActions").EnumerateArray().Select(a => a.GetProperty("key").GetString()).Should().Equal("submit_requirement", "request_refund");
        buyerView.GetProperty("refundableAmount").GetDecimal().Should().Be(1200.00m);

        (await _api.As(Buyer).ActAsync(id, "submit_requirement")).ShouldBe(HttpStatusCode.OK);
        (await _api.As(Provider).ActAsync(id, "confirm_requirement")).ShouldBe(HttpStatusCode.OK);
        (await _api.As(Provider).ActAsync(id, "post_progress")).ShouldBe(HttpStatusCode.OK);
        var accepting = (await _api.As(Provider).ActAsync(id, "submit_for_acceptance")).ShouldBe(HttpStatusCode.OK).Body;
        accepting.GetProperty("autoAcceptAt").GetDateTimeOffset().Should().Be(HostFactory.T0 + TimeSpan.FromDays(15));
        var done = (await _api.As(Buyer).ActAsync(id, "accept")).ShouldBe(HttpStatusCode.OK);

        done.Body.GetProperty("status").GetString().Should().Be("completed");
        done.Headers.ETag!.Tag.Should().Be("\"6\"");
        (await LogAsync(id)).Should().Equal(
            ("start", "marketplace", null, "requirement_pending"),
            ("submit_requirement", "buyer", "requirement_pending", "requirement_confirming"),
            ("confirm_requirement", "provider", "requirement_confirming", "implementing"),
            ("post_progress", "provider", "implementing", "implementing"),
            ("submit_for_acceptance", "provider", "implementing", "accepting"),
            ("accept", "buyer", "accepting", "completed"));
        (await LogAsync(id, _api.As(Provider))).Should().HaveCount(6, "buyer and provider both see the whole log");
    }

    [Fact]
    public async Task A_rejected_requirement_is_edited_and_resubmitted()
    {
        var id = await _api.AtAsync("requirement_confirming");

        (await _api.As(Buyer).ActAsync(id, "edit_requirement")).ShouldBe(HttpStatusCode.OK);
        (await _api.As(Provider).ActAsync(id, "reject_requirement")).Body.GetProperty("stage").GetString().Should().Be("requirement_rejected");
        (await _api.As(Buyer).ActAsync(id, "submit_requirement", new { description = "补充了源库版本：MySQL 5.7.40" })).ShouldBe(HttpStatusCode.OK);
        (await _api.As(Provider).ActAsync(id, "confirm_requirement")).Body.GetProperty("stage").GetString().Should().Be("implementing");

        var log = await LogAsync(id);
        log.Select(l => l.Action).Should().Equal("start", "submit_requirement", "edit_requirement", "reject_requirement", "submit_requirement", "confirm_requirement");
        var entries = (await _api.As(Provider).GetAsync($"/api/v1/deliveries/{id}/log")).Body;
        entries[4].GetProperty("data").GetProperty("description").GetString().Should().Be("补充了源库版本：MySQL 5.7.40");
        entries[3].GetProperty("actionName").GetString().Should().Be("驳回需求");
    }

    [Fact]
    public async Task A_rejected_delivery_goes_back_to_implementing_and_is_accepted_after_resubmission()
    {
        var id = await _api.AtAsync("accepting");

        (await _api.As(Buyer).ActAsync(id, "reject_delivery")).Body.GetProperty("stage").GetString().Should().Be("implementing");
        (await _api.As(Provider).ActAsync(id, "submit_for_acceptance")).ShouldBe(HttpStatusCode.OK);
        (await _api.As(Buyer).ActAsync(id, "accept")).Body.GetProperty("stage").GetString().Should().Be("completed");

        (await LogAsync(id)).Should().Equal(
            ("start", "marketplace", null, "requirement_pending"),
            ("submit_requirement", "buyer", "requirement_pending", "requirement_confirming"),
            ("confirm_requirement", "provider", "requirement_confirming", "implementing"),
            ("submit_for_acceptance", "provider", "implementing", "accepting"),
            ("reject_delivery", "buyer", "accepting", "implementing"),
            ("submit_for_acceptance", "provider", "implementing", "accepting"),
            ("accept", "buyer", "accepting", "completed"));
    }

    [Fact]
    public async Task Auto_acceptance_happens_when_the_clock_reaches_fifteen_days_and_not_at_fourteen_days_twenty_three_hours()
    {
        var id = await _api.AtAsync("accepting");
        var clock = _api.As(Platform);

        (await clock.PostAsync("/api/v1/dev/clock/advance", new { by = "P14DT23H" })).ShouldBe(HttpStatusCode.OK);
        (await _api.As(Buyer).GetAsync($"/api/v1/deliveries/{id}")).Body.GetProperty("stage").GetString().Should().Be("accepting");
        (await clock.PostAsync("/api/v1/dev/clock/advance", new { by = "PT1H" })).ShouldBe(HttpStatusCode.OK);

        var after = (await _api.As(Buyer).GetAsync($"/api/v1/deliveries/{id}")).Body;
        after.GetProperty("stage").GetString().Should().Be("completed");
        (await LogAsync(id)).Should().Equal(
            ("start", "marketplace", null, "requirement_pending"),
            ("submit_requirement", "buyer", "requirement_pending", "requirement_confirming"),
            ("confirm_requirement", "provider", "requirement_confirming", "implementing"),
            ("submit_for_acceptance", "provider", "implementing", "accepting"),
            ("accept", "system", "accepting", "completed"));
        var entries = (await _api.As(Buyer).GetAsync($"/api/v1/deliveries/{id}/log")).Body;
        entries[entries.GetArrayLength() - 1].GetProperty("timer").GetString().Should().Be("auto_accept");
        entries[entries.GetArrayLength() - 1].GetProperty("actor").GetProperty("name").GetString().Should().Be("系统");
    }

    [Theory]
    [InlineData("requirement_pending")]
    [InlineData("requirement_confirming")]
    [InlineData("requirement_rejected")]
    public async Task A_refund_is_reviewed_by_the_platform_approved_or_rejected_back_to_its_stage(string stage)
    {
        var approved = await _api.AtAsync(stage);
        var rejected = await _api.AtAsync(stage);

        var paused = (await _api.As(Buyer).ActAsync(approved, "request_refund")).ShouldBe(HttpStatusCode.OK).Body;
        paused.GetProperty("status").GetString().Should().Be("paused");
        paused.GetProperty("availableActions").GetArrayLength().Should().Be(0);
        var tasks = (await _api.As(Platform).GetAsync("/api/v1/tasks")).Body;
        tasks.EnumerateArray().Should().Contain(t => t.GetProperty("deliveryId").GetGuid() == approved && t.GetProperty("actions")[0].GetProperty("key").GetString() == "approve_refund");
        var refunded = (await _api.As(Platform).ActAsync(approved, "approve_refund")).ShouldBe(HttpStatusCode.OK).Body;
        (await _api.As(Buyer).ActAsync(rejected, "request_refund")).ShouldBe(HttpStatusCode.OK);
        var back = (await _api.As(Platform).ActAsync(rejected, "reject_refund", new { note = "服务商已开始工作", internalNote = "内部：电话确认" })).ShouldBe(HttpStatusCode.OK).Body;

        refunded.GetProperty("stage").GetString().Should().Be("refunded");
        refunded.GetProperty("refundAmount").GetDecimal().Should().Be(1200.00m);
        back.GetProperty("stage").GetString().Should().Be(stage);
        var path = ApiFixture.PathTo(stage).Select(p => p.Item2).ToList();
        (await LogAsync(approved)).Select(l => l.Action).Should().Equal(["start", .. path, "request_refund", "approve_refund"]);
        (await LogAsync(rejected)).Select(l => l.Action).Should().Equal(["start", .. path, "request_refund", "reject_refund"]);
        (await LogAsync(rejected)).TakeLast(2).Select(l => (l.Action, l.From, l.To)).Should().Equal(("request_refund", stage, "refunding"), ("reject_refund", "refunding", stage));
        var providerLog = (await _api.As(Provider).GetAsync($"/api/v1/deliveries/{rejected}/log")).Body;
        providerLog[providerLog.GetArrayLength() - 1].TryGetProperty("internalData", out _).Should().BeFalse("nor for the provider");
        var buyerLog = (await _api.As(Buyer).GetAsync($"/api/v1/deliveries/{rejected}/log")).Body;
        var platformLog = (await _api.As(Platform).GetAsync($"/api/v1/deliveries/{rejected}/log")).Body;
        buyerLog[buyerLog.GetArrayLength() - 1].TryGetProperty("internalData", out _).Should().BeFalse("platform-internal notes are for the platform only");
        platformLog[platformLog.GetArrayLength() - 1].GetProperty("internalData").GetProperty("internalNote").GetString().Should().Be("内部：电话确认");
    }

    [Theory]
    [InlineData("implementing")]
    [InlineData("accepting")]
    public async Task A_refund_after_confirmation_is_refused_with_advice_to_open_a_ticket(string stage)
    {
        var id = await _api.AtAsync(stage);

        var zh = (await _api.As(Buyer).ActAsync(id, "request_refund")).ShouldBe(HttpStatusCode.Conflict, "refund_not_allowed");
        var en = (await _api.As(Buyer, "en-US").ActAsync(id, "request_refund")).ShouldBe(HttpStatusCode.Conflict, "refund_not_allowed");

        zh.Str("detail").Should().Contain("工单");
        en.Str("detail").Should().Contain("ticket");
        zh.Str("stage").Should().Be(stage);
    }

    [Fact]
    public async Task The_invoice_status_blocks_the_refund_request_and_then_its_approval()
    {
        var id = await _api.AtAsync("requirement_pending");

        (await _api.As(Marketplace).PutAsync($"/api/v1/deliveries/{id}/invoice", new { status = "requested" })).ShouldBe(HttpStatusCode.OK)
            .Body.GetProperty("invoiceStatus").GetString().Should().Be("requested");
        var blocked = (await _api.As(Buyer).ActAsync(id, "request_refund")).ShouldBe(HttpStatusCode.Conflict, "invoice_blocks_refund");
        blocked.Str("detail").Should().Contain("取消开票申请");
        (await _api.As(Marketplace).PutAsync($"/api/v1/deliveries/{id}/invoice", new { status = "issued" })).ShouldBe(HttpStatusCode.OK);
        (await _api.As(Buyer).ActAsync(id, "request_refund")).ShouldBe(HttpStatusCode.OK);
        (await _api.As(Platform).ActAsync(id, "approve_refund")).ShouldBe(HttpStatusCode.Conflict, "invoice_blocks_refund");
        (await _api.As(Marketplace).PutAsync($"/api/v1/deliveries/{id}/invoice", new { status = "returned" })).ShouldBe(HttpStatusCode.OK);
        (await _api.As(Platform).ActAsync(id, "approve_refund")).ShouldBe(HttpStatusCode.OK).Body.GetProperty("stage").GetString().Should().Be("refunded");
        (await LogAsync(id)).Should().Equal(
            ("start", "marketplace", null, "requirement_pending"),
            ("set_invoice_status", "marketplace", "requirement_pending", "requirement_pending"),
            ("set_invoice_status", "marketplace", "requirement_pending", "requirement_pending"),
            ("request_refund", "buyer", "requirement_pending", "refunding"),
            ("set_invoice_status", "marketplace", "refunding", "refunding"),
            ("approve_refund", "platform", "refunding", "refunded"));
    }

    [Fact]
    public async Task A_dispute_ticket_freezes_the_clock_and_a_partial_refund_resolves_it()
    {
        var id = await _api.AtAsync("accepting");
        await _api.As(Platform).PostAsync("/api/v1/dev/clock/advance", new { by = "P5D" });

        var ticket = (await _api.As(Buyer).PostAsync($"/api/v1/deliveries/{id}/tickets", new { category = "acceptance_dispute", subject = "交付物与需求不符", description = "增量同步没有完成", attachmentIds = Array.Empty<Guid>() }))
            .ShouldBe(HttpStatusCode.Created).Body;
        (await _api.As(Buyer).GetAsync($"/api/v1/deliveries/{id}")).Body.GetProperty("autoAcceptAt").ValueKind.Should().Be(JsonValueKind.Null, "a frozen clock has no date");
        await _api.As(Platform).PostAsync("/api/v1/dev/clock/advance", new { by = "P20D" });
        (await _api.As(Buyer).GetAsync($"/api/v1/deliveries/{id}")).Body.GetProperty("stage").GetString().Should().Be("accepting");
        var ticketId = ticket.GetProperty("id").GetGuid();
        (await _api.As(Provider).PostAsync($"/api/v1/tickets/{ticketId}/messages", new { body = "同意退一半", attachmentIds = Array.Empty<Guid>() })).ShouldBe(HttpStatusCode.Created);
        (await _api.As(Platform).PostAsync($"/api/v1/tickets/{ticketId}/resolve", new { outcome = "refund", amount = 1200.01m, note = "超额" })).ShouldBe(HttpStatusCode.BadRequest, "validation_failed");
        var resolved = (await _api.As(Platform).PostAsync($"/api/v1/tickets/{ticketId}/resolve", new { outcome = "refund", amount = 600m, note = "双方协商退还 50%" })).ShouldBe(HttpStatusCode.OK).Body;

        resolved.GetProperty("status").GetString().Should().Be("resolved");
        resolved.GetProperty("messages").GetArrayLength().Should().Be(1);
        resolved.GetProperty("resolution").GetProperty("amount").GetDecimal().Should().Be(600m);
        var refunded = (await _api.As(Buyer).GetAsync($"/api/v1/deliveries/{id}")).Body;
        refunded.GetProperty("stage").GetString().Should().Be("refunded");
        refunded.GetProperty("refundAmount").GetDecimal().Should().Be(600m);
        var log = (await _api.As(Buyer).GetAsync($"/api/v1/deliveries/{id}/log")).Body;
        var last = log[log.GetArrayLength() - 1];
        (last.GetProperty("action").GetString(), last.GetProperty("data").GetProperty("amount").GetString(), last.GetProperty("data").GetProperty("reason").GetString())
            .Should().Be(("admin_refund", "600", "双方协商退还 50%"));
        (await LogAsync(id)).Should().Equal(
            ("start", "marketplace", null, "requirement_pending"),
            ("submit_requirement", "buyer", "requirement_pending", "requirement_confirming"),
            ("confirm_requirement", "provider", "requirement_confirming", "implementing"),
            ("submit_for_acceptance", "provider", "implementing", "accepting"),
            ("clock_frozen", "buyer", "accepting", "accepting"),
            ("clock_resumed", "platform", "accepting", "accepting"),
            ("admin_refund", "platform", "accepting", "refunded"));
        (await _api.As(Buyer).GetAsync($"/api/v1/tickets/{ticketId}")).Body.GetProperty("resolution").GetProperty("outcome").GetString().Should().Be("refund");
    }

    [Fact]
    public async Task While_a_refund_is_reviewed_no_party_can_act_and_is_told_why()
    {
        var id = await _api.AtAsync("requirement_confirming");
        (await _api.As(Buyer).ActAsync(id, "request_refund")).ShouldBe(HttpStatusCode.OK);

        var provider = (await _api.As(Provider).ActAsync(id, "confirm_requirement")).ShouldBe(HttpStatusCode.Conflict, "delivery_paused");
        var buyer = (await _api.As(Buyer, "en").ActAsync(id, "edit_requirement")).ShouldBe(HttpStatusCode.Conflict, "delivery_paused");

        provider.Str("detail").Should().Contain("退款审核");
        buyer.Str("detail").Should().Contain("paused for refund review");
        (await LogAsync(id)).Select(l => l.Action).Should().Equal("start", "submit_requirement", "request_refund");
    }

    [Fact]
    public async Task The_same_order_started_twice_is_one_delivery_and_different_content_conflicts()
    {
        var first = (await _api.As(Marketplace).PostAsync("/api/v1/deliveries", Order("ORD-HTTP-TWICE"))).ShouldBe(HttpStatusCode.Created);

        var again = (await _api.As(Marketplace).PostAsync("/api/v1/deliveries", Order("ORD-HTTP-TWICE"))).ShouldBe(HttpStatusCode.OK);
        var other = (await _api.As(Marketplace, "en").PostAsync("/api/v1/deliveries", Order("ORD-HTTP-TWICE", paid: 999m))).ShouldBe(HttpStatusCode.Conflict, "order_conflict");

        again.Body.GetProperty("id").GetGuid().Should().Be(first.Body.GetProperty("id").GetGuid());
        other.Str("detail").Should().Contain("different content");
    }

    [Fact]
    public async Task A_dispute_resolved_by_forcing_completion_completes_the_delivery()
    {
        var id = await _api.AtAsync("accepting");
        var ticketId = (await _api.As(Provider).PostAsync($"/api/v1/deliveries/{id}/tickets", new { category = "acceptance_dispute", subject = "买家拒不验收", description = "已按需求交付" })).Body.GetProperty("id").GetGuid();

        (await _api.As(Platform).PostAsync($"/api/v1/tickets/{ticketId}/resolve", new { outcome = "force_complete", note = "交付符合需求，平台确认完成" })).ShouldBe(HttpStatusCode.OK);

        var done = (await _api.As(Buyer).GetAsync($"/api/v1/deliveries/{id}")).Body;
        done.GetProperty("stage").GetString().Should().Be("completed");
        done.GetProperty("autoAcceptAt").ValueKind.Should().Be(JsonValueKind.Null);
        (await LogAsync(id))[^1].Should().Be(("admin_complete", "platform", "accepting", "completed"));
    }

    [Fact]
    public async Task A_dispute_resolved_without_change_resumes_the_clock_with_its_remaining_time()
    {
        var id = await _api.AtAsync("accepting");
        await _api.As(Platform).PostAsync("/api/v1/dev/clock/advance", new { by = "P10D" });
        var ticketId = (await _api.As(Buyer).PostAsync($"/api/v1/deliveries/{id}/tickets", new { category = "acceptance_dispute", subject = "争议", description = "说明" })).Body.GetProperty("id").GetGuid();
        await _api.As(Platform).PostAsync("/api/v1/dev/clock/advance", new { by = "P30D" });

        (await _api.As(Platform).PostAsync($"/api/v1/tickets/{ticketId}/resolve", new { outcome = "no_change", note = "交付符合需求" })).ShouldBe(HttpStatusCode.OK);

        var resumed = (await _api.As(Buyer).GetAsync($"/api/v1/deliveries/{id}")).Body;
        resumed.GetProperty("autoAcceptAt").GetDateTimeOffset().Should().Be(HostFactory.T0 + TimeSpan.FromDays(45));
        (await LogAsync(id)).Select(l => l.Action).Should().Equal(
            ["start", "submit_requirement", "confirm_requirement", "submit_for_acceptance", "clock_frozen", "clock_resumed"],
            "a dispute resolved without a change adds no step, only the freeze and the resume of the clock");
        var log = (await _api.As(Buyer).GetAsync($"/api/v1/deliveries/{id}/log")).Body.EnumerateArray().ToList();
        log[^2].GetProperty("data").GetProperty("remaining").GetString().Should().Be("P5D", "the freeze records what was left of the 15 days");
        log[^1].GetProperty("data").GetProperty("ticketId").GetString().Should().Be(ticketId.ToString());
    }
}
