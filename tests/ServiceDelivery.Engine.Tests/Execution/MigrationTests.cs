using System.Text.Json.Nodes;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Engine.Execution;
using ServiceDelivery.Engine.Timers;
using ServiceDelivery.Engine.Tests.Support;
using static ServiceDelivery.Engine.Tests.Support.Scenario;

namespace ServiceDelivery.Engine.Tests.Execution;

public sealed class MigrationTests
{
    private static ProcessDefinition Version2(Action<JsonObject> change)
    {
        var document = JsonNode.Parse(Shipped.DeliveryJson)!.AsObject();
        change(document);
        return ProcessDefinitionLoader.LoadValid(document.ToJsonString(), 2);
    }

    [Fact]
    public void A_migration_keeps_the_stage_and_running_clocks_and_is_logged()
    {
        var delivery = Scenario.At("accepting");
        delivery.Advance(TimeSpan.FromDays(2));
        var v2 = Version2(d => d["stages"]![4]!["timers"]!.AsArray().RemoveAt(2));

        var decision = Migration.Decide(delivery.Definition, v2, delivery.State, Platform, "新增验收表单字段", delivery.Now).Should().BeOfType<Decision>().Subject;

        decision.State.Stage.Should().Be("accepting");
        decision.State.Timer("auto_accept").Should().Be(delivery.Timer("auto_accept"), "a clock the new version keeps runs on unchanged");
        decision.Timers.Should().ContainSingle(c => c.Kind == TimerChangeKind.Cancelled && c.Timer.Key == "acceptance_reminder_1d");
        decision.Log!.Action.Should().Be("admin_migrate");
        decision.Log.Data.Should().Contain("fromVersion", "1").And.Contain("toVersion", "2").And.Contain("reason", "新增验收表单字段");
    }

    [Fact]
    public void A_clock_the_new_version_adds_runs_as_if_since_stage_entry()
    {
        var delivery = Scenario.At("implementing");
        delivery.Advance(TimeSpan.FromDays(1));
        var v2 = Version2(d =>
        {
            d["stages"]![3]!["timers"] = JsonNode.Parse("""[{ "key": "progress_nudge", "remind": "implementation_deadline", "before": "P1D", "notify": [{ "to": ["provider"], "template": "progress_posted" }] }, { "key": "implementation_deadline", "after": "P30D", "perform": "post_progress_auto" }]""");
            d["actions"]!.AsArray().Add(JsonNode.Parse("""{ "key": "post_progress_auto", "name": { "zh-CN": "自动提醒" }, "roles": ["platform"], "to": "$stay" }"""));
            d["stages"]![3]!["actions"]!.AsArray().Add("post_progress_auto");
        });

        var decision = (Decision)Migration.Decide(delivery.Definition, v2, delivery.State, Platform, null, delivery.Now);

        decision.State.Timer("implementation_deadline")!.DueAt.Should().Be(delivery.State.StageEnteredAt + TimeSpan.FromDays(30));
        decision.State.Timer("progress_nudge")!.DueAt.Should().Be(delivery.State.StageEnteredAt + TimeSpan.FromDays(29));
    }

    [Fact]
    public void Clocks_a_new_version_adds_to_the_stage_a_paused_delivery_returns_to_wait_and_start_on_return()
    {
        var delivery = Scenario.At("refunding");
        var v2 = Version2(d =>
        {
            d["stages"]![0]!["timers"] = JsonNode.Parse("""[{ "key": "requirement_due", "after": "P7D", "perform": "request_refund_auto" }]""");
            d["actions"]!.AsArray().Add(JsonNode.Parse("""{ "key": "request_refund_auto", "name": { "zh-CN": "超时关闭" }, "roles": ["platform"], "to": "closed" }"""));
            d["stages"]![0]!["actions"]!.AsArray().Add("request_refund_auto");
        });

        var migrated = (Decision)Migration.Decide(delivery.Definition, v2, delivery.State, Platform, null, delivery.Now);
        var returned = WorkflowEngine.Decide(v2, migrated.State, new PerformAction(Platform, "reject_refund", Scenario.ValidForms["reject_refund"]), delivery.Now + TimeSpan.FromDays(2));

        var waiting = migrated.State.Timer("requirement_due")!;
        (waiting.IsRunning, waiting.Remaining, waiting.FrozenBy).Should().Be((false, TimeSpan.FromDays(7), FreezeReasons.Paused));
        var back = returned.Should().BeOfType<Decision>().Subject;
        back.State.Stage.Should().Be("requirement_pending");
        back.State.Timer("requirement_due")!.DueAt.Should().Be(delivery.Now + TimeSpan.FromDays(9));
    }

    [Fact]
    public void A_version_without_the_current_stage_is_refused()
    {
        var delivery = Scenario.At("requirement_rejected");
        var v2 = Version2(d =>
        {
            d["stages"]!.AsArray().RemoveAt(2);
            d["actions"]![3]!["to"] = "requirement_pending";
        });

        var rejection = Migration.Decide(delivery.Definition, v2, delivery.State, Platform, null, delivery.Now).Should().BeOfType<Rejection>().Subject;

        rejection.Code.Should().Be(RejectionCode.ValidationFailed);
        rejection.Errors.Should().Equal(new FieldError("toVersion", FieldErrorCode.InvalidStage));
    }

    [Fact]
    public void A_delivery_whose_stage_is_gone_moves_to_the_mapped_stage_with_its_tasks_and_clocks_from_now()
    {
        var delivery = Scenario.At("requirement_rejected");
        delivery.Advance(TimeSpan.FromDays(3));
        var v2 = Version2(d =>
        {
            d["stages"]!.AsArray().RemoveAt(2);
            d["actions"]![3]!["to"] = "requirement_pending";
        });

        var decision = Migration.Decide(delivery.Definition, v2, delivery.State, Platform, "合并驳回阶段", delivery.Now, mapTo: "requirement_pending").Should().BeOfType<Decision>().Subject;

        decision.State.Stage.Should().Be("requirement_pending");
        decision.State.StageEnteredAt.Should().Be(delivery.Now);
        decision.StageEntered.Should().BeTrue();
        decision.FromStage.Should().Be("requirement_rejected");
        decision.State.Tasks.Should().ContainSingle().Which.Should().Match<OpenTask>(t => t.Role == ActorRole.Buyer && t.Stage == "requirement_pending");
        decision.Tasks.Should().Contain(c => !c.Opened && c.Task.Stage == "requirement_rejected").And.Contain(c => c.Opened && c.Task.Stage == "requirement_pending");
        decision.Log!.Data.Should().Contain("mappedFrom", "requirement_rejected");
        decision.Log.ToStage.Should().Be("requirement_pending");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("completed")]
    [InlineData("no_such_stage")]
    public void A_gone_stage_without_a_mapping_to_a_running_stage_is_refused(string? mapTo)
    {
        var delivery = Scenario.At("requirement_rejected");
        var v2 = Version2(d =>
        {
            d["stages"]!.AsArray().RemoveAt(2);
            d["actions"]![3]!["to"] = "requirement_pending";
        });

        Migration.Decide(delivery.Definition, v2, delivery.State, Platform, null, delivery.Now, mapTo).Should().BeOfType<Rejection>()
            .Which.Errors.Should().Equal(new FieldError("toVersion", FieldErrorCode.InvalidStage));
    }

    [Fact]
    public void A_mapping_is_ignored_when_the_stage_still_exists()
    {
        var delivery = Scenario.At("implementing");
        var v2 = Version2(d => d["name"]!["zh-CN"] = "人工服务交付流程（新）");

        var decision = (Decision)Migration.Decide(delivery.Definition, v2, delivery.State, Platform, null, delivery.Now, mapTo: "accepting");

        decision.State.Stage.Should().Be("implementing");
        decision.StageEntered.Should().BeFalse();
    }

    [Fact]
    public void Only_the_platform_migrates_and_never_to_the_same_version_or_a_terminal_delivery()
    {
        var delivery = Scenario.At("implementing");
        var done = Scenario.At("completed");
        var v2 = Version2(_ => { });

        Migration.Decide(delivery.Definition, v2, delivery.State, Buyer, null, delivery.Now).Should().BeOfType<Rejection>().Which.Code.Should().Be(RejectionCode.ForbiddenAction);
        Migration.Decide(delivery.Definition, delivery.Definition, delivery.State, Platform, null, delivery.Now).Should().BeOfType<Rejection>().Which.Code.Should().Be(RejectionCode.ValidationFailed);
        Migration.Decide(done.Definition, v2, done.State, Platform, null, done.Now).Should().BeOfType<Rejection>().Which.Code.Should().Be(RejectionCode.InvalidTransition);
    }

    [Fact]
    public void A_new_version_that_stops_the_clock_during_a_dispute_freezes_it_now_with_the_time_left()
    {
        var noFreeze = Version2(d => d["stages"]![4]!["timers"]![0]!.AsObject().Remove("freezeWhile"));
        var delivery = Scenario.Start(definition: noFreeze);
        foreach (var (actor, action) in PathTo("accepting"))
        {
            delivery.Do(actor, action);
        }

        delivery.Accept(new OpenDispute(Buyer, "T-1"));
        delivery.Timer("auto_accept")!.IsRunning.Should().BeTrue("this version lets the clock run through a dispute");
        delivery.Advance(TimeSpan.FromDays(2));
        var v3 = ProcessDefinitionLoader.LoadValid(Shipped.DeliveryJson, 3);

        var decision = (Decision)Migration.Decide(noFreeze, v3, delivery.State, Platform, null, delivery.Now);

        var clock = decision.State.Timer("auto_accept")!;
        clock.IsRunning.Should().BeFalse();
        clock.FrozenBy.Should().Be(FreezeReasons.Dispute);
        clock.Remaining.Should().Be(TimeSpan.FromDays(13));
        decision.Timers.Should().Contain(c => c.Kind == TimerChangeKind.Frozen && c.Timer.Key == "auto_accept");
    }

    [Fact]
    public void A_new_version_that_no_longer_stops_the_clock_during_a_dispute_restarts_it_with_the_time_left()
    {
        var delivery = Scenario.At("accepting");
        delivery.Advance(TimeSpan.FromDays(5));
        delivery.Accept(new OpenDispute(Buyer, "T-1"));
        delivery.Advance(TimeSpan.FromDays(30));
        var v2 = Version2(d =>
        {
            foreach (var timer in d["stages"]![4]!["timers"]!.AsArray())
            {
                timer!.AsObject().Remove("freezeWhile");
            }
        });

        var decision = (Decision)Migration.Decide(delivery.Definition, v2, delivery.State, Platform, null, delivery.Now);

        decision.State.Timer("auto_accept")!.DueAt.Should().Be(delivery.Now + TimeSpan.FromDays(10), "it resumes from now with the ten days it had left");
        decision.Timers.Should().Contain(c => c.Kind == TimerChangeKind.Resumed && c.Timer.Key == "auto_accept");
    }

    [Fact]
    public void A_clock_the_new_version_adds_that_is_already_overdue_fires_at_once()
    {
        var delivery = Scenario.At("implementing");
        delivery.Advance(TimeSpan.FromDays(40));
        var v2 = Version2(d =>
        {
            d["stages"]![3]!["timers"] = System.Text.Json.Nodes.JsonNode.Parse("""[{ "key": "implementation_deadline", "after": "P30D", "perform": "post_progress_auto" }]""");
            d["actions"]!.AsArray().Add(System.Text.Json.Nodes.JsonNode.Parse("""{ "key": "post_progress_auto", "name": { "zh-CN": "自动提醒" }, "roles": ["platform"], "to": "$stay" }"""));
            d["stages"]![3]!["actions"]!.AsArray().Add("post_progress_auto");
        });
        var migrated = new Scenario(v2, ((Decision)Migration.Decide(delivery.Definition, v2, delivery.State, Platform, null, delivery.Now)).State, delivery.Now);

        var deadline = migrated.Timer("implementation_deadline")!;
        deadline.DueAt.Should().Be(delivery.State.StageEnteredAt + TimeSpan.FromDays(30), "overdue: due ten days ago");
        migrated.Advance(TimeSpan.Zero).Should().ContainSingle().Which.Log!.Action.Should().Be("post_progress_auto");
    }
}
