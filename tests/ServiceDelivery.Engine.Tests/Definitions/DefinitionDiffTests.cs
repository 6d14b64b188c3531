using System.Text.Json.Nodes;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Engine.Tests.Support;

namespace ServiceDelivery.Engine.Tests.Definitions;

public sealed class DefinitionDiffTests
{
    private static JsonObject Document() => JsonNode.Parse(Shipped.DeliveryJson)!.AsObject();

    [Fact]
    public void A_version_compared_with_itself_has_no_changes_and_a_dragged_layout_or_new_number_is_none_either()
    {
        var moved = Document();
        moved["version"] = 7;
        moved["layout"] = new JsonObject { ["accepting"] = new JsonObject { ["x"] = 10, ["y"] = 20 } };

        DefinitionDiff.Compare(Shipped.DeliveryJson, Shipped.DeliveryJson).Should().BeEmpty();
        DefinitionDiff.Compare(Shipped.DeliveryJson, moved.ToJsonString()).Should().BeEmpty();
    }

    [Fact]
    public void An_added_stage_and_action_a_changed_duration_and_a_removed_reminder_are_each_reported_once()
    {
        var next = Document();
        var stages = next["stages"]!.AsArray();
        stages.Add(JsonNode.Parse("""{ "key": "reviewing", "name": { "zh-CN": "待复核", "en": "Reviewing" }, "status": "active", "assignees": ["platform"], "actions": [] }"""));
        next["actions"]!.AsArray().Add(JsonNode.Parse("""{ "key": "send_to_review", "name": { "zh-CN": "送复核", "en": "Send to review" }, "roles": ["provider"], "to": "reviewing" }"""));
        var accepting = stages.OfType<JsonObject>().Single(s => (string?)s["key"] == "accepting");
        accepting["timers"]![0]!["after"] = "P10D";
        accepting["timers"]!.AsArray().RemoveAt(2);

        var changes = DefinitionDiff.Compare(Shipped.DeliveryJson, next.ToJsonString());

        changes.Should().BeEquivalentTo(
        [
            new DefinitionChange(DiffKind.Added, DiffElement.Stage, "reviewing"),
            new DefinitionChange(DiffKind.Added, DiffElement.Action, "send_to_review"),
            new DefinitionChange(DiffKind.Changed, DiffElement.Timer, "accepting/auto_accept", "after", "\"P15D\"", "\"P10D\""),
            new DefinitionChange(DiffKind.Removed, DiffElement.Timer, "accepting/acceptance_reminder_1d"),
        ]);
    }

    [Fact]
    public void A_removed_stage_reports_its_timers_and_an_invalid_draft_is_compared_as_far_as_it_goes()
    {
        var fewer = Document();
        var stages = fewer["stages"]!.AsArray();
        stages.Remove(stages.OfType<JsonObject>().Single(s => (string?)s["key"] == "accepting"));

        var changes = DefinitionDiff.Compare(Shipped.DeliveryJson, fewer.ToJsonString());

        changes.Should().Contain(new DefinitionChange(DiffKind.Removed, DiffElement.Stage, "accepting"));
        changes.Where(c => c.Element == DiffElement.Timer).Should().HaveCount(3).And.OnlyContain(c => c.Kind == DiffKind.Removed);
        DefinitionDiff.Compare(Shipped.DeliveryJson, "{ not json").Should().Contain(new DefinitionChange(DiffKind.Removed, DiffElement.Stage, "accepting"));
    }
}
