using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Engine.Execution;
using ServiceDelivery.Engine.Tests.Support;
using static ServiceDelivery.Engine.Tests.Support.Scenario;

namespace ServiceDelivery.Engine.Tests.Execution;

/// <summary>Platform interventions: move, close, complete, negotiated refund.</summary>
public sealed class InterventionTests
{
    private static readonly FormData Reason = FormData.Of(("reason", "工单处理结果"), ("internalNote", "已与双方电话沟通"));

    public static TheoryData<string> NonTerminalStages() =>
        ["requirement_pending", "requirement_confirming", "requirement_rejected", "implementing", "accepting", "refunding"];

    [Theory]
    [MemberData(nameof(NonTerminalStages))]
    public void The_platform_can_close_a_delivery_from_any_non_terminal_stage(string stage)
    {
        var delivery = Scenario.At(stage);

        var closed = delivery.Accept(new Intervene(Platform, InterventionKind.Close, null, Reason));

        delivery.State.Stage.Should().Be("closed");
        delivery.State.Tasks.Should().BeEmpty();
        delivery.State.Timers.Should().BeEmpty();
        closed.Log!.Action.Should().Be("admin_close");
        closed.Log.Data.Should().Contain("reason", "工单处理结果");
        closed.Log.InternalData.Should().Contain("internalNote", "已与双方电话沟通");
        closed.Notifications.Should().ContainSingle(n => n.Template == "delivery_closed");
    }

    [Theory]
    [MemberData(nameof(NonTerminalStages))]
    public void The_platform_can_force_completion_from_any_non_terminal_stage(string stage)
    {
        var delivery = Scenario.At(stage);

        delivery.Accept(new Intervene(Platform, InterventionKind.Complete, null, Reason));

        delivery.State.Stage.Should().Be("completed");
    }

    [Fact]
    public void A_negotiated_refund_pays_back_the_agreed_amount_up_to_what_was_paid()
    {
        var delivery = Scenario.At("accepting");

        delivery.Reject(new Intervene(Platform, InterventionKind.Refund, null, Reason, 1200.01m))
            .Errors.Should().ContainSingle(e => e.Field == "amount" && e.Code == FieldErrorCode.OutOfRange);
        delivery.Reject(new Intervene(Platform, InterventionKind.Refund, null, Reason, 0m)).Code.Should().Be(RejectionCode.ValidationFailed);
        var refunded = delivery.Accept(new Intervene(Platform, InterventionKind.Refund, null, Reason, 600m));

        delivery.State.Stage.Should().Be("refunded");
        refunded.RefundAmount.Should().Be(600m);
        refunded.Log!.Data.Should().Contain("amount", "600");
    }

    [Fact]
    public void Moving_needs_a_known_different_stage_and_a_reason()
    {
        var delivery = Scenario.At("implementing");

        delivery.Reject(new Intervene(Platform, InterventionKind.Move, null, Reason))
            .Errors.Should().ContainSingle(e => e.Field == "toStage" && e.Code == FieldErrorCode.Required);
        delivery.Reject(new Intervene(Platform, InterventionKind.Move, "nowhere", Reason))
            .Errors.Should().ContainSingle(e => e.Field == "toStage" && e.Code == FieldErrorCode.InvalidStage);
        delivery.Reject(new Intervene(Platform, InterventionKind.Move, "implementing", Reason))
            .Errors.Should().ContainSingle(e => e.Field == "toStage" && e.Code == FieldErrorCode.InvalidStage);
        delivery.Reject(new Intervene(Platform, InterventionKind.Move, "accepting", FormData.Empty))
            .Errors.Should().ContainSingle(e => e.Field == "reason" && e.Code == FieldErrorCode.Required);

        var moved = delivery.Accept(new Intervene(Platform, InterventionKind.Move, "requirement_confirming", Reason));
        moved.Log!.Action.Should().Be("admin_move");
        moved.Log.ToStage.Should().Be("requirement_confirming");
        delivery.State.Tasks.Should().ContainSingle(t => t.Role == ActorRole.Provider);
    }

    [Theory]
    [InlineData(ActorRole.Buyer)]
    [InlineData(ActorRole.Provider)]
    [InlineData(ActorRole.System)]
    public void Only_the_platform_intervenes(ActorRole role)
    {
        var delivery = Scenario.At("implementing");

        delivery.Reject(new Intervene(new Actor("x", "x", role), InterventionKind.Close, null, Reason))
            .Code.Should().Be(RejectionCode.ForbiddenAction);
    }

    [Theory]
    [InlineData("completed")]
    [InlineData("refunded")]
    [InlineData("closed")]
    public void Terminal_stages_accept_no_intervention_timer_or_action(string stage)
    {
        var delivery = Scenario.At(stage);

        foreach (var kind in Enum.GetValues<InterventionKind>())
        {
            delivery.Reject(new Intervene(Platform, kind, "implementing", Reason, 1m)).Code.Should().Be(RejectionCode.InvalidTransition);
        }

        delivery.Reject(new FireTimer("auto_accept")).Code.Should().Be(RejectionCode.InvalidTransition);
        delivery.Available(ActorRole.Buyer).Should().BeEmpty();
        delivery.Available(ActorRole.Platform).Should().BeEmpty();
    }
}
