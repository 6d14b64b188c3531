using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Engine.Execution;
using ServiceDelivery.Engine.Tests.Support;
using static ServiceDelivery.Engine.Tests.Support.Scenario;

namespace ServiceDelivery.Engine.Tests.Execution;

/// <summary>The paths of PRODUCT.md through the shipped process, step by step.</summary>
public sealed class DeliveryPathTests
{
    [Fact]
    public void A_started_delivery_awaits_the_buyers_requirement_and_tells_both_parties()
    {
        var delivery = Scenario.Start();

        var start = delivery.Decisions.Single();
        delivery.State.Stage.Should().Be("requirement_pending");
        delivery.State.Tasks.Should().ContainSingle().Which.Role.Should().Be(ActorRole.Buyer);
        start.Log!.Action.Should().Be("start");
        start.Log.FromStage.Should().BeNull();
        start.Log.Actor.Role.Should().Be(ActorRole.Marketplace);
        start.Notifications.Should().ContainSingle(n => n.Template == "delivery_started")
            .Which.To.Should().BeEquivalentTo([ActorRole.Buyer, ActorRole.Provider]);
    }

    [Fact]
    public void Happy_path_runs_from_requirement_to_completion_with_every_step_logged_in_order()
    {
        var delivery = Scenario.Start();

        delivery.Do(Buyer, "submit_requirement");
        delivery.Do(Provider, "confirm_requirement");
        delivery.Do(Provider, "post_progress");
        delivery.Do(Provider, "submit_for_acceptance");
        var accepted = delivery.Do(Buyer, "accept");

        delivery.State.Stage.Should().Be("completed");
        delivery.State.Tasks.Should().BeEmpty();
        delivery.State.Timers.Should().BeEmpty();
        accepted.Timers.Should().OnlyContain(t => t.Kind == Timers.TimerChangeKind.Cancelled).And.HaveCount(3);
        delivery.Log.Select(l => (l.Action, l.FromStage, l.ToStage, l.Actor.Role)).Should().Equal(
            ("start", null, "requirement_pending", ActorRole.Marketplace),
            ("submit_requirement", "requirement_pending", "requirement_confirming", ActorRole.Buyer),
            ("confirm_requirement", "requirement_confirming", "implementing", ActorRole.Provider),
            ("post_progress", "implementing", "implementing", ActorRole.Provider),
            ("submit_for_acceptance", "implementing", "accepting", ActorRole.Provider),
            ("accept", "accepting", "completed", ActorRole.Buyer));
        delivery.Decisions.SelectMany(d => d.Notifications).Select(n => n.Template).Should().Equal(
            "delivery_started", "requirement_submitted", "requirement_confirmed", "progress_posted", "submitted_for_acceptance", "accepted");
    }

    [Fact]
    public void Each_stage_gives_its_assignee_one_open_task()
    {
        var delivery = Scenario.Start();

        delivery.Do(Buyer, "submit_requirement");
        delivery.State.Tasks.Select(t => (t.Role, t.Stage)).Should().Equal((ActorRole.Provider, "requirement_confirming"));
        delivery.Do(Provider, "confirm_requirement");
        delivery.State.Tasks.Select(t => (t.Role, t.Stage)).Should().Equal((ActorRole.Provider, "implementing"));
        delivery.Do(Provider, "submit_for_acceptance");
        delivery.State.Tasks.Select(t => (t.Role, t.Stage)).Should().Equal((ActorRole.Buyer, "accepting"));
        var decision = delivery.Do(Buyer, "reject_delivery");

        decision.Tasks.Should().HaveCount(2);
        decision.Tasks.Should().Contain(c => !c.Opened && c.Task.Role == ActorRole.Buyer && c.Task.Stage == "accepting");
        decision.Tasks.Should().Contain(c => c.Opened && c.Task.Role == ActorRole.Provider && c.Task.Stage == "implementing");
    }

    [Fact]
    public void A_rejected_requirement_is_edited_and_resubmitted_then_confirmed()
    {
        var delivery = Scenario.At("requirement_confirming");

        var rejected = delivery.Do(Provider, "reject_requirement", FormData.Of(("reason", "缺少源库版本")));
        delivery.State.Stage.Should().Be("requirement_rejected");
        delivery.State.Tasks.Should().ContainSingle(t => t.Role == ActorRole.Buyer);
        rejected.Log!.Data.Should().Contain("reason", "缺少源库版本");

        delivery.Do(Buyer, "submit_requirement", FormData.Of(("description", "MySQL 5.7.40 迁移到云数据库")));
        delivery.State.Stage.Should().Be("requirement_confirming");
        delivery.Do(Provider, "confirm_requirement");

        delivery.State.Stage.Should().Be("implementing");
    }

    [Fact]
    public void Editing_the_requirement_before_confirmation_stays_in_the_stage_and_is_logged()
    {
        var delivery = Scenario.At("requirement_confirming");
        var enteredAt = delivery.State.StageEnteredAt;
        delivery.Advance(TimeSpan.FromHours(2));

        var edited = delivery.Do(Buyer, "edit_requirement");

        edited.StageEntered.Should().BeFalse();
        edited.Tasks.Should().BeEmpty();
        delivery.State.StageEnteredAt.Should().Be(enteredAt);
        edited.Log!.FromStage.Should().Be("requirement_confirming");
        edited.Log.ToStage.Should().Be("requirement_confirming");
        edited.Notifications.Should().ContainSingle(n => n.Template == "requirement_edited");
    }

    [Fact]
    public void A_rejected_delivery_goes_back_to_implementing_and_is_accepted_after_resubmission()
    {
        var delivery = Scenario.At("accepting");

        delivery.Do(Buyer, "reject_delivery");
        delivery.State.Stage.Should().Be("implementing");
        delivery.State.Timers.Should().BeEmpty();
        delivery.Do(Provider, "submit_for_acceptance");
        delivery.Do(Buyer, "accept");

        delivery.State.Stage.Should().Be("completed");
        delivery.Log.Select(l => l.Action).Should().EndWith(["reject_delivery", "submit_for_acceptance", "accept"]);
    }

    [Theory]
    [InlineData("requirement_pending")]
    [InlineData("requirement_confirming")]
    [InlineData("requirement_rejected")]
    public void A_refund_requested_where_allowed_pauses_the_delivery_and_an_approval_refunds_the_paid_amount(string stage)
    {
        var delivery = Scenario.At(stage);

        var requested = delivery.Do(Buyer, "request_refund");
        delivery.State.Stage.Should().Be("refunding");
        delivery.State.ReturnStage.Should().Be(stage);
        delivery.State.Tasks.Should().ContainSingle().Which.Role.Should().Be(ActorRole.Platform);
        requested.Log!.Data.Should().Contain("reasonCode", "no_longer_needed");
        requested.Notifications.Should().ContainSingle(n => n.Template == "refund_requested")
            .Which.To.Should().Contain(ActorRole.Platform);
        var approved = delivery.Do(Platform, "approve_refund");

        delivery.State.Stage.Should().Be("refunded");
        delivery.State.Tasks.Should().BeEmpty();
        approved.RefundAmount.Should().Be(1200m, "the amount actually paid is refunded, coupons are not");
        approved.Notifications.Should().ContainSingle(n => n.Template == "refund_approved");
    }

    [Theory]
    [InlineData("requirement_pending", ActorRole.Buyer)]
    [InlineData("requirement_confirming", ActorRole.Provider)]
    [InlineData("requirement_rejected", ActorRole.Buyer)]
    public void A_rejected_refund_returns_to_the_exact_stage_it_came_from(string stage, ActorRole assignee)
    {
        var delivery = Scenario.At(stage);
        delivery.Do(Buyer, "request_refund");

        var rejected = delivery.Do(Platform, "reject_refund", FormData.Of(("note", "服务商已开始工作"), ("internalNote", "与服务商电话确认")));

        delivery.State.Stage.Should().Be(stage);
        delivery.State.ReturnStage.Should().BeNull();
        delivery.State.Tasks.Should().ContainSingle().Which.Role.Should().Be(assignee);
        rejected.Log!.FromStage.Should().Be("refunding");
        rejected.Log.ToStage.Should().Be(stage);
        rejected.Log.Data.Should().Contain("note", "服务商已开始工作").And.NotContainKey("internalNote");
        rejected.Log.InternalData.Should().Contain("internalNote", "与服务商电话确认");
    }

    [Theory]
    [InlineData("implementing")]
    [InlineData("accepting")]
    public void A_refund_after_confirmation_is_refused_with_refund_not_allowed(string stage)
    {
        var delivery = Scenario.At(stage);
        var before = delivery.State;

        var rejection = delivery.Reject(Buyer, "request_refund");

        rejection.Code.Should().Be(RejectionCode.RefundNotAllowed);
        rejection.Code.ToApiCode().Should().Be("refund_not_allowed");
        delivery.State.Should().BeSameAs(before);
    }

    [Fact]
    public void While_refunding_no_party_action_is_accepted()
    {
        var delivery = Scenario.At("refunding");

        delivery.Reject(Buyer, "submit_requirement").Code.Should().Be(RejectionCode.DeliveryPaused);
        delivery.Reject(Buyer, "request_refund").Code.Should().Be(RejectionCode.DeliveryPaused);
        delivery.Reject(Provider, "confirm_requirement").Code.Should().Be(RejectionCode.DeliveryPaused);
        delivery.Available(ActorRole.Buyer).Should().BeEmpty();
        delivery.Available(ActorRole.Provider).Should().BeEmpty();
        delivery.Available(ActorRole.Platform).Should().Equal("approve_refund", "reject_refund");
    }

    [Fact]
    public void A_requested_invoice_blocks_the_refund_request_until_it_is_cancelled()
    {
        var delivery = Scenario.At("requirement_confirming", InvoiceStatus.Requested);

        var rejection = delivery.Reject(Buyer, "request_refund");
        rejection.Code.Should().Be(RejectionCode.InvoiceBlocksRefund);
        rejection.Guard.Should().Be(Guard.InvoiceNotRequested);

        delivery.SetInvoice(InvoiceStatus.None);
        delivery.Do(Buyer, "request_refund");
        delivery.State.Stage.Should().Be("refunding");
    }

    [Fact]
    public void An_issued_invoice_lets_the_buyer_request_but_blocks_approval_until_it_is_returned()
    {
        var delivery = Scenario.At("requirement_pending", InvoiceStatus.Issued);
        delivery.Do(Buyer, "request_refund");

        var rejection = delivery.Reject(Platform, "approve_refund");
        rejection.Code.Should().Be(RejectionCode.InvoiceBlocksRefund);
        rejection.Guard.Should().Be(Guard.InvoiceNoneOrReturned);

        delivery.SetInvoice(InvoiceStatus.Returned);
        delivery.Do(Platform, "approve_refund");
        delivery.State.Stage.Should().Be("refunded");
    }

    [Fact]
    public void An_invoice_requested_during_the_review_blocks_approval_but_not_rejection()
    {
        var delivery = Scenario.At("refunding");
        delivery.SetInvoice(InvoiceStatus.Requested);

        delivery.Reject(Platform, "approve_refund").Code.Should().Be(RejectionCode.InvoiceBlocksRefund);
        delivery.Do(Platform, "reject_refund");

        delivery.State.Stage.Should().Be("requirement_pending");
    }

    [Fact]
    public void Forms_are_checked_before_guards_and_nothing_changes_on_an_invalid_form()
    {
        var delivery = Scenario.At("requirement_pending", InvoiceStatus.Requested);

        var rejection = delivery.Reject(Buyer, "request_refund", FormData.Of(("reasonCode", "too_expensive")));

        rejection.Code.Should().Be(RejectionCode.ValidationFailed);
        rejection.Errors.Should().BeEquivalentTo(new[]
        {
            new FieldError("reasonCode", FieldErrorCode.NotAllowedValue),
            new FieldError("description", FieldErrorCode.Required),
        });
        delivery.State.Stage.Should().Be("requirement_pending");
    }

    [Fact]
    public void A_stage_entry_notification_goes_out_on_every_entry_after_the_actions_own()
    {
        var document = System.Text.Json.Nodes.JsonNode.Parse(Shipped.DeliveryJson)!.AsObject();
        document["stages"]![3]!["onEnter"] = System.Text.Json.Nodes.JsonNode.Parse("""{ "notify": [{ "to": ["platform"], "template": "progress_posted" }] }""");
        var definition = ProcessDefinitionLoader.LoadValid(document.ToJsonString());
        var delivery = Scenario.Start(definition: definition);
        delivery.Do(Buyer, "submit_requirement");

        var confirmed = delivery.Do(Provider, "confirm_requirement");
        delivery.Do(Provider, "submit_for_acceptance");
        var rejected = delivery.Do(Buyer, "reject_delivery");
        var progress = delivery.Do(Provider, "post_progress");

        confirmed.Notifications.Select(n => n.Template).Should().Equal("requirement_confirmed", "progress_posted");
        rejected.Notifications.Select(n => n.Template).Should().Equal("delivery_rejected", "progress_posted");
        progress.Notifications.Select(n => n.Template).Should().Equal(["progress_posted"], "staying in a stage is not entering it");
    }

    [Fact]
    public void Starting_needs_the_marketplace_and_happens_once()
    {
        var buyerStart = WorkflowEngine.Decide(Shipped.Delivery, null, new StartDelivery(Buyer, 100m, InvoiceStatus.None), T0);
        buyerStart.Should().BeOfType<Rejection>().Which.Code.Should().Be(RejectionCode.ForbiddenAction);

        var delivery = Scenario.Start();
        delivery.Reject(new StartDelivery(Marketplace, 100m, InvoiceStatus.None)).Code.Should().Be(RejectionCode.InvalidTransition);
    }
}
