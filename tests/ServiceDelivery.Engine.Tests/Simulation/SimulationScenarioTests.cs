using System.Text.Json.Nodes;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Engine.Execution;
using ServiceDelivery.Engine.Simulation;
using ServiceDelivery.Engine.Tests.Support;

namespace ServiceDelivery.Engine.Tests.Simulation;

/// <summary>A saved path replays on a version: passed when it ends where the designer expected.</summary>
public sealed class SimulationScenarioTests
{
    private static readonly SimulationScenario AutoAccepted = new("15 天自动验收", [
        new ScenarioStep(ScenarioMove.Act, ActorRole.Buyer, "submit_requirement", new Dictionary<string, string> { ["description"] = "迁移 3 个库" }),
        new ScenarioStep(ScenarioMove.Act, ActorRole.Provider, "confirm_requirement"),
        new ScenarioStep(ScenarioMove.Act, ActorRole.Provider, "submit_for_acceptance", new Dictionary<string, string> { ["details"] = "已完成" }),
        new ScenarioStep(ScenarioMove.Advance, By: TimeSpan.FromDays(15)),
    ], "completed");

    private static ProcessDefinition With(Action<JsonObject> change)
    {
        var document = JsonNode.Parse(Shipped.DeliveryJson)!.AsObject();
        change(document);
        return ProcessDefinitionLoader.LoadValid(document.ToJsonString(), 2);
    }

    [Fact]
    public void The_shipped_process_auto_accepts_after_fifteen_days()
    {
        AutoAccepted.Replay(Shipped.Delivery).Should().Be(new ScenarioReplay(true, "completed", null, null));
    }

    [Fact]
    public void A_version_with_a_longer_acceptance_period_fails_the_scenario_where_it_stopped()
    {
        var twenty = With(d => d["stages"]![4]!["timers"]![0]!["after"] = "P20D");

        AutoAccepted.Replay(twenty).Should().Be(new ScenarioReplay(false, "accepting", null, null));
    }

    [Fact]
    public void A_step_the_new_version_refuses_names_the_step()
    {
        var renamed = With(d =>
        {
            d["actions"]![2]!["key"] = "approve_requirement";
            d["stages"]![1]!["actions"]![0] = "approve_requirement";
        });

        var replay = AutoAccepted.Replay(renamed);

        replay.Passed.Should().BeFalse();
        replay.RefusedStep.Should().Be(1);
        replay.EndStage.Should().Be("requirement_confirming");
    }

    [Fact]
    public void Steps_survive_their_json_form()
    {
        var json = SimulationScenario.Serialize(AutoAccepted.Steps);

        json.Should().Contain("\"move\":\"act\"").And.Contain("\"role\":\"buyer\"");
        var again = AutoAccepted with { Steps = SimulationScenario.DeserializeSteps(json) };
        again.Replay(Shipped.Delivery).Passed.Should().BeTrue();
    }
}
