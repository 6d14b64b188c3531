using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Persistence.Entities;
using static ServiceDelivery.Integration.Tests.AppHarness;

namespace ServiceDelivery.Integration.Tests;

/// <summary>The shipped process through the application layer on PostgreSQL: the engine's outcomes, persisted.</summary>
public sealed class DeliveryProcessTests : IAsyncLifetime
{
    private AppHarness _app = null!;

    public async Task InitializeAsync() => _app = await AppHarness.CreateAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Happy_path_is_persisted_with_tasks_log_and_notifications()
    {
        var started = await _app.StartAsync("ORD-HAPPY");
        started.Stage.Should().Be("requirement_pending");
        started.Version.Should().Be(1);

        var id = started.Id;
        await _app.ActAsync(Buyer, id, "submit_requirement");
        await _app.ActAsync(Provider, id, "confirm_requirement");
        await _app.ActAsync(Provider, id, "post_progress");
        var accepting = await _app.ActAsync(Provider, id, "submit_for_acceptance");
        accepting.AutoAcceptAt.Should().Be(T0 + TimeSpan.FromDays(15));
        var completed = await _app.ActAsync(Buyer, id, "accept");

        completed.Stage.Should().Be("completed");
        completed.Status.Should().Be("completed");
        completed.Version.Should().Be(6);
        await using var db = _app.Db();
        var log = await db.ProcessLog.Where(l => l.DeliveryId == id).OrderBy(l => l.Seq).ToListAsync();
        log.Select(l => (l.Seq, l.Action, l.ActorRole, l.FromStage, l.ToStage)).Should().Equal(
            (1, "start", "marketplace", null, "requirement_pending"),
            (2, "submit_requirement", "buyer", "requirement_pending", "requirement_confirming"),
            (3, "confirm_requirement", "provider", "requirement_confirming", "implementing"),
            (4, "post_progress", "provider", "implementing", "implementing"),
            (5, "submit_for_acceptance", "provider", "implementing", "accepting"),
            (6, "accept", "buyer", "accepting", "completed"));
        log[1].Data.Should().Contain("description", "把 MySQL 5.7 迁移到云数据库");
        log[2].ActorName.Should().Be("李四");
        (await db.Tasks.CountAsync(t => t.DeliveryId == id && t.ClosedAt == null)).Should().Be(0);
        (await db.Tasks.CountAsync(t => t.DeliveryId == id)).Should().Be(4, "one per stage entered: pending, confirming, implementing, accepting");
        (await db.Timers.Where(t => t.DeliveryId == id).Select(t => t.State).ToListAsync()).Should().OnlyContain(s => s == TimerRecord.States.Cancelled).And.HaveCount(3);
        (await db.Outbox.Where(o => o.DeliveryId == id).OrderBy(o => o.Id).Select(o => o.Topic + ":" + o.RecipientRole).ToListAsync()).Should().Equal(
            "delivery_started:buyer", "delivery_started:provider", "requirement_submitted:provider", "requirement_confirmed:buyer",
            "progress_posted:buyer", "submitted_for_acceptance:buyer", "accepted:provider");
    }

    [Fact]
    public async Task Open_tasks_carry_the_party_they_belong_to_for_the_inbox()
    {
        var delivery = await _app.AtAsync("requirement_confirming");

        await using var db = _app.Db();
        var task = await db.Tasks.SingleAsync(t => t.DeliveryId == delivery.Id && t.ClosedAt == null);
        task.Role.Should().Be("provider");
        task.AssigneeId.Should().Be("p-2001");
        task.Stage.Should().Be("requirement_confirming");
    }

    [Fact]
    public async Task A_rejected_requirement_is_resubmitted_and_a_rejected_delivery_is_resubmitted_and_accepted()
    {
        var delivery = await _app.AtAsync("requirement_rejected");

        await _app.ActAsync(Buyer, delivery.Id, "submit_requirement");
        await _app.ActAsync(Provider, delivery.Id, "confirm_requirement");
        await _app.ActAsync(Provider, delivery.Id, "submit_for_acceptance");
        await _app.ActAsync(Buyer, delivery.Id, "reject_delivery");
        await _app.ActAsync(Provider, delivery.Id, "submit_for_acceptance");
        var done = await _app.ActAsync(Buyer, delivery.Id, "accept");

        done.Stage.Should().Be("completed");
        await using var db = _app.Db();
        (await db.Timers.CountAsync(t => t.DeliveryId == delivery.Id && (t.State == "running" || t.State == "frozen"))).Should().Be(0);
        (await db.Timers.CountAsync(t => t.DeliveryId == delivery.Id && t.Key == "auto_accept")).Should().Be(2, "one per submission");
    }

    [Theory]
    [InlineData("requirement_pending")]
    [InlineData("requirement_confirming")]
    [InlineData("requirement_rejected")]
    public async Task A_refund_is_approved_for_the_paid_amount_or_rejected_back_to_its_stage(string stage)
    {
        var approved = await _app.AtAsync(stage);
        var rejected = await _app.AtAsync(stage);

        (await _app.ActAsync(Buyer, approved.Id, "request_refund")).Status.Should().Be("paused");
        var refunded = await _app.ActAsync(Platform, approved.Id, "approve_refund");
        await _app.ActAsync(Buyer, rejected.Id, "request_refund");
        var back = await _app.ActAsync(Platform, rejected.Id, "reject_refund");

        refunded.Stage.Should().Be("refunded");
        refunded.RefundAmount.Should().Be(1200.00m, "the paid amount is refunded; the 100.00 coupon is not");
        refunded.RefundableAmount.Should().Be(0m);
        back.Stage.Should().Be(stage);
        back.Status.Should().Be("active");
        await using var db = _app.Db();
        (await db.Outbox.CountAsync(o => o.DeliveryId == approved.Id && o.Topic == "refund_requested" && o.RecipientRole == "platform" && o.RecipientAddress == null)).Should().Be(1);
    }

    [Theory]
    [InlineData("implementing")]
    [InlineData("accepting")]
    public async Task A_refund_after_confirmation_is_refused_and_changes_nothing(string stage)
    {
        var delivery = await _app.AtAsync(stage);

        var result = await _app.TryActAsync(Buyer, delivery.Id, "request_refund");

        result.Failure!.Code.Should().Be("refund_not_allowed");
        (await _app.GetAsync(Buyer, delivery.Id)).Value!.Version.Should().Be(delivery.Version);
    }

    [Fact]
    public async Task Invoice_status_blocks_the_refund_request_and_its_approval()
    {
        var delivery = await _app.StartAsync();
        await _app.SetInvoiceAsync(delivery.Id, "requested");

        (await _app.TryActAsync(Buyer, delivery.Id, "request_refund")).Failure!.Code.Should().Be("invoice_blocks_refund");
        await _app.SetInvoiceAsync(delivery.Id, "issued");
        await _app.ActAsync(Buyer, delivery.Id, "request_refund");
        var blocked = await _app.TryActAsync(Platform, delivery.Id, "approve_refund");
        blocked.Failure!.Code.Should().Be("invoice_blocks_refund");
        blocked.Failure.Guard.Should().Be("invoice_none_or_returned");
        await _app.SetInvoiceAsync(delivery.Id, "returned");
        (await _app.ActAsync(Platform, delivery.Id, "approve_refund")).Stage.Should().Be("refunded");

        await using var db = _app.Db();
        (await db.ProcessLog.Where(l => l.DeliveryId == delivery.Id && l.Action == "set_invoice_status").Select(l => l.Data["to"]).ToListAsync())
            .Should().Equal("requested", "issued", "returned");
    }

    [Fact]
    public async Task Auto_acceptance_fires_after_fifteen_days_and_not_a_second_before()
    {
        var delivery = await _app.AtAsync("accepting");

        await _app.AdvanceAsync(TimeSpan.FromDays(15) - TimeSpan.FromSeconds(1));
        (await _app.GetAsync(Buyer, delivery.Id)).Value!.Stage.Should().Be("accepting");
        await _app.AdvanceAsync(TimeSpan.FromSeconds(1));

        var after = (await _app.GetAsync(Buyer, delivery.Id)).Value!;
        after.Stage.Should().Be("completed");
        await using var db = _app.Db();
        var last = await db.ProcessLog.Where(l => l.DeliveryId == delivery.Id).OrderByDescending(l => l.Seq).FirstAsync();
        (last.Action, last.ActorRole, last.Timer, last.At).Should().Be(("accept", "system", "auto_accept", T0 + TimeSpan.FromDays(15)));
        (await db.Outbox.Where(o => o.DeliveryId == delivery.Id && o.Topic == "acceptance_reminder").CountAsync()).Should().Be(2);
        (await db.Outbox.Where(o => o.DeliveryId == delivery.Id && o.Topic == "auto_accepted").Select(o => o.RecipientRole).ToListAsync())
            .Should().BeEquivalentTo(["buyer", "provider"]);
    }

    [Fact]
    public async Task A_dispute_freezes_the_clock_to_the_microsecond_and_a_partial_refund_resolves_it()
    {
        var delivery = await _app.AtAsync("accepting");
        await _app.AdvanceAsync(TimeSpan.FromDays(4) + TimeSpan.FromTicks(1234567));

        var ticket = (await _app.OpenTicketAsync(Buyer, delivery.Id, "acceptance_dispute")).Unwrap();
        await using (var db = _app.Db())
        {
            var frozen = await db.Timers.SingleAsync(t => t.DeliveryId == delivery.Id && t.Key == "auto_accept" && t.State == "frozen");
            frozen.Remaining.Should().Be(TimeSpan.FromDays(11) - TimeSpan.FromTicks(1234560), "time is kept to the microsecond PostgreSQL stores");
            frozen.DueAt.Should().BeNull();
        }

        await _app.AdvanceAsync(TimeSpan.FromDays(30));
        (await _app.GetAsync(Buyer, delivery.Id)).Value!.Stage.Should().Be("accepting");
        var resolved = (await _app.ResolveTicketAsync(ticket.Id, "refund", 600m)).Unwrap();

        resolved.Status.Should().Be("resolved");
        var refunded = (await _app.GetAsync(Buyer, delivery.Id)).Value!;
        refunded.Stage.Should().Be("refunded");
        refunded.RefundAmount.Should().Be(600m);
        refunded.RefundableAmount.Should().Be(600m);
    }

    [Fact]
    public async Task A_dispute_resolved_without_change_resumes_the_clock_with_its_remaining_time()
    {
        var delivery = await _app.AtAsync("accepting");
        await _app.AdvanceAsync(TimeSpan.FromDays(10));
        var ticket = (await _app.OpenTicketAsync(Buyer, delivery.Id, "acceptance_dispute")).Unwrap();
        await _app.AdvanceAsync(TimeSpan.FromDays(20));

        await _app.ResolveTicketAsync(ticket.Id, "no_change");

        var resumed = (await _app.GetAsync(Buyer, delivery.Id)).Value!;
        resumed.AutoAcceptAt.Should().Be(_app.Clock.Now() + TimeSpan.FromDays(5));
        await _app.AdvanceAsync(TimeSpan.FromDays(5) - TimeSpan.FromSeconds(1));
        (await _app.GetAsync(Buyer, delivery.Id)).Value!.Stage.Should().Be("accepting");
        await _app.AdvanceAsync(TimeSpan.FromSeconds(1));
        (await _app.GetAsync(Buyer, delivery.Id)).Value!.Stage.Should().Be("completed");
    }

    [Fact]
    public async Task A_delivery_the_caller_may_not_see_is_not_found_and_untouched()
    {
        var delivery = await _app.StartAsync();

        (await _app.GetAsync(OtherBuyer, delivery.Id)).Failure!.Code.Should().Be("not_found");
        (await _app.TryActAsync(OtherBuyer, delivery.Id, "submit_requirement")).Failure!.Code.Should().Be("not_found");
        (await _app.TryActAsync(Caller.ProviderStaff("s-9", "别家", "p-9999"), delivery.Id, "confirm_requirement")).Failure!.Code.Should().Be("not_found");
        (await _app.GetAsync(Buyer, delivery.Id)).Value!.Version.Should().Be(1);
    }

    [Fact]
    public async Task Starting_the_same_order_twice_returns_the_delivery_and_different_content_conflicts()
    {
        var order = _app.Order("ORD-TWICE");
        var first = (await _app.TryStartAsync(order)).Unwrap();

        var again = (await _app.TryStartAsync(order with { PaidAmount = 1200.0m })).Unwrap();
        var different = await _app.TryStartAsync(order with { PaidAmount = 999m });

        first.Created.Should().BeTrue();
        again.Created.Should().BeFalse();
        again.Delivery.Id.Should().Be(first.Delivery.Id);
        different.Failure!.Code.Should().Be("order_conflict");
        await using var db = _app.Db();
        (await db.Deliveries.CountAsync(d => d.OrderId == "ORD-TWICE")).Should().Be(1);
    }

    [Fact]
    public async Task An_order_id_with_surrounding_spaces_is_the_same_order()
    {
        var first = (await _app.TryStartAsync(_app.Order(" ORD-SPACES "))).Unwrap();

        var again = (await _app.TryStartAsync(_app.Order("ORD-SPACES"))).Unwrap();

        again.Created.Should().BeFalse();
        again.Delivery.Id.Should().Be(first.Delivery.Id);
        first.Delivery.OrderId.Should().Be("ORD-SPACES");
    }

    [Fact]
    public async Task An_email_address_must_be_a_bare_address()
    {
        var named = _app.Order() with { Buyer = new OrderParty("u-1", "张三", "张三 <buyer@example.com>") };

        (await _app.TryStartAsync(named)).Failure!.Errors.Should().ContainSingle(e => e.Field == "buyer.email" && e.Code == "invalid");
    }

    [Fact]
    public async Task An_order_with_bad_fields_is_refused_with_every_problem()
    {
        var bad = _app.Order("") with
        {
            Buyer = new OrderParty("u-1", "张三", "not-an-email"),
            PaidAmount = -1m,
            Currency = "rmb",
            DefinitionKey = null,
        };

        var result = await _app.TryStartAsync(bad);

        result.Failure!.Code.Should().Be(Failure.ValidationFailedCode);
        result.Failure.Errors.Select(e => (e.Field, e.Code)).Should().BeEquivalentTo(new[]
        {
            ("orderId", "required"), ("buyer.email", "invalid"), ("paidAmount", "out_of_range"), ("currency", "invalid"),
        });
        (await _app.TryStartAsync(_app.Order() with { DefinitionKey = "no-such-process" })).Failure!.Errors.Should().ContainSingle(e => e.Code == "unknown_definition");
    }

    [Fact]
    public async Task Only_attachments_the_caller_uploaded_can_be_referenced()
    {
        var delivery = await _app.StartAsync();
        var mine = Guid.NewGuid();
        var theirs = Guid.NewGuid();
        await using (var db = _app.Db())
        {
            db.Attachments.Add(new AttachmentRecord { Id = mine, Sha256 = new string('a', 64), Size = 3, ContentType = "text/plain", FileName = "需求.txt", UploadedBy = Buyer.Id, UploadedAt = T0 });
            db.Attachments.Add(new AttachmentRecord { Id = theirs, Sha256 = new string('b', 64), Size = 3, ContentType = "text/plain", FileName = "x.txt", UploadedBy = Provider.Id, UploadedAt = T0 });
            await db.SaveChangesAsync();
        }

        var refused = await _app.TryActAsync(Buyer, delivery.Id, "submit_requirement", attachments: [mine, theirs]);
        var accepted = await _app.TryActAsync(Buyer, delivery.Id, "submit_requirement", attachments: [mine]);

        refused.Failure!.Errors.Should().ContainSingle(e => e.Field == "attachmentIds" && e.Code == "unknown_attachment");
        accepted.IsSuccess.Should().BeTrue();
        await using var check = _app.Db();
        (await check.ProcessLog.SingleAsync(l => l.DeliveryId == delivery.Id && l.Seq == 2)).AttachmentIds.Should().Equal(mine);
    }

    [Fact]
    public async Task Platform_interventions_are_logged_with_their_reason()
    {
        var delivery = await _app.AtAsync("implementing");

        var moved = (await _app.InterveneAsync(new InterveneRequest(delivery.Id, "move", "requirement_confirming", "服务商申请重新确认", "内部：电话沟通"))).Unwrap();
        var closed = (await _app.InterveneAsync(new InterveneRequest(delivery.Id, "close", null, "违规商品"))).Unwrap();
        var again = await _app.InterveneAsync(new InterveneRequest(delivery.Id, "close", null, "再次关闭"));

        moved.Stage.Should().Be("requirement_confirming");
        closed.Stage.Should().Be("closed");
        again.Failure!.Code.Should().Be("invalid_transition");
        await using var db = _app.Db();
        var log = await db.ProcessLog.Where(l => l.DeliveryId == delivery.Id && l.Action.StartsWith("admin_")).OrderBy(l => l.Seq).ToListAsync();
        log.Select(l => (l.Action, l.Data["reason"])).Should().Equal(("admin_move", "服务商申请重新确认"), ("admin_close", "违规商品"));
        log[0].InternalData.Should().Contain("internalNote", "内部：电话沟通");
    }
}
