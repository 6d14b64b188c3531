using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Engine.Tests.Support;

namespace ServiceDelivery.Engine.Tests.Definitions;

/// <summary>The shipped process speaks the seed's and PRODUCT.md's words.</summary>
public sealed class ShippedDefinitionTests
{
    private static readonly ProcessDefinition Definition = Shipped.Delivery;

    [Theory]
    [InlineData("requirement_pending", "需求待提交", "Awaiting requirement", StageStatus.Active)]
    [InlineData("requirement_confirming", "需求待确认", "Provider confirming requirement", StageStatus.Active)]
    [InlineData("requirement_rejected", "需求已驳回", "Requirement rejected", StageStatus.Active)]
    [InlineData("implementing", "实施中", "Provider implementing", StageStatus.Active)]
    [InlineData("accepting", "待验收", "Awaiting acceptance", StageStatus.Active)]
    [InlineData("refunding", "退款中", "Refund under review", StageStatus.Paused)]
    [InlineData("completed", "已完成", "Completed", StageStatus.Completed)]
    [InlineData("refunded", "已退款", "Refunded", StageStatus.Refunded)]
    [InlineData("closed", "已关闭", "Closed by the platform", StageStatus.Closed)]
    public void Stages_carry_the_product_names_and_status(string key, string zh, string en, StageStatus status)
    {
        var stage = Definition.Stage(key);

        stage.Name.Get("zh-CN").Should().Be(zh);
        stage.Name.Get("en").Should().Be(en);
        stage.Status.Should().Be(status);
    }

    [Theory]
    [InlineData("submit_requirement", "提交需求")]
    [InlineData("edit_requirement", "重新编辑")]
    [InlineData("request_refund", "申请退款")]
    [InlineData("accept", "验收通过")]
    [InlineData("reject_delivery", "验收驳回")]
    public void Actions_the_seed_names_use_its_wording(string key, string zh)
    {
        Definition.TryGetAction(key, out var action).Should().BeTrue();
        action.Name.Get("zh-CN").Should().Be(zh);
    }

    [Fact]
    public void Auto_acceptance_is_fifteen_days_with_reminders_three_days_and_one_day_before()
    {
        var timers = Definition.Stage("accepting").Timers;

        timers.Should().ContainSingle(t => !t.IsReminder).Which.Should().Match<TimerDefinition>(t =>
            t.Key == "auto_accept" && t.After == TimeSpan.FromDays(15) && t.Perform == "accept" && t.FreezeWhile == FreezeConditions.DisputeOpen);
        timers.Where(t => t.IsReminder).Select(t => t.Before).Should().BeEquivalentTo([TimeSpan.FromDays(3), TimeSpan.FromDays(1)]);
    }

    [Fact]
    public void Every_template_the_definition_names_is_known_and_every_party_is_told_of_refunds()
    {
        Definition.Actions.SelectMany(a => a.Notify).Select(n => n.Template).Should().BeSubsetOf(NotificationTemplates.Known);
        Definition.TryGetAction("request_refund", out var request).Should().BeTrue();
        request.Notify.SelectMany(n => n.To).Should().Contain([ActorRole.Platform, ActorRole.Provider]);
    }
}
