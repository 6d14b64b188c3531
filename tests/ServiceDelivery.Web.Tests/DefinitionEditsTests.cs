using System.Text.Json.Nodes;
using ServiceDelivery.Application.Definitions;
using ServiceDelivery.Web.Studio;

namespace ServiceDelivery.Web.Tests;

/// <summary>What the canvas and inspector do to a document: every reference kept, nothing else touched.</summary>
public sealed class DefinitionEditsTests
{
    private static readonly string Shipped = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "workflows", "manual-service-delivery.json"));

    private static JsonObject Doc(EditResult result)
    {
        result.Applied.Should().BeTrue($"the edit was refused: {result.Refusal} {result.Argument}");
        return JsonNode.Parse(result.Json!)!.AsObject();
    }

    private static JsonObject Stage(JsonObject doc, string key) => doc["stages"]!.AsArray().OfType<JsonObject>().Single(s => (string?)s["key"] == key);

    private static IEnumerable<string> Offered(JsonObject doc, string stage) => Stage(doc, stage)["actions"]?.AsArray().Select(a => (string)a!) ?? [];

    private static List<string> Codes(string json) => DefinitionCommands.Validate(json).Errors.Select(e => e.Code).ToList();

    [Fact]
    public void A_new_stage_with_a_way_in_but_none_out_is_reported_until_an_action_leads_out()
    {
        var added = DefinitionEdits.AddStage(Shipped, "reviewing", "待复核", "Under review");
        var connected = DefinitionEdits.Connect(added.Json!, "implementing", "send_to_review", "reviewing", "提交复核", null, ["provider"]);

        Codes(connected.Json!).Should().Contain("dead_end");
        var out_ = DefinitionEdits.Connect(connected.Json!, "reviewing", "review_passed", "accepting", "复核通过", null, ["platform"]);
        DefinitionCommands.Validate(out_.Json!).Errors.Should().BeEmpty();
        Offered(Doc(out_), "implementing").Should().EndWith("send_to_review");
        Stage(Doc(out_), "reviewing")["name"]!["en"]!.GetValue<string>().Should().Be("Under review");
    }

    [Fact]
    public void Offering_an_existing_action_in_another_stage_reuses_its_definition()
    {
        var doc = Doc(DefinitionEdits.Connect(Shipped, "implementing", "request_refund", "ignored", "x", null, []));

        Offered(doc, "implementing").Should().Contain("request_refund");
        doc["actions"]!.AsArray().Count(a => (string?)a!["key"] == "request_refund").Should().Be(1);
        DefinitionEdits.Connect(Shipped, "requirement_pending", "request_refund", "refunding", "x", null, []).Refusal.Should().Be("edit.actionOffered");
    }

    [Fact]
    public void Renaming_a_stage_updates_the_initial_stage_action_targets_and_layout()
    {
        var placed = DefinitionEdits.Place(Shipped, "requirement_pending", 40, 96).Json!;
        var doc = Doc(DefinitionEdits.RenameStage(placed, "requirement_pending", "awaiting_requirement"));

        doc["initialStage"]!.GetValue<string>().Should().Be("awaiting_requirement");
        doc["layout"]!["awaiting_requirement"].Should().NotBeNull();
        doc["layout"]!["requirement_pending"].Should().BeNull();
        DefinitionCommands.Validate(doc.ToJsonString()).Errors.Should().BeEmpty("every reference followed the rename");
    }

    [Fact]
    public void Renaming_an_action_updates_the_stages_offering_it_and_the_timer_performing_it()
    {
        var doc = Doc(DefinitionEdits.RenameAction(Shipped, "accept", "accept_delivery"));

        Offered(doc, "accepting").Should().Contain("accept_delivery").And.NotContain("accept");
        Stage(doc, "accepting")["timers"]![0]!["perform"]!.GetValue<string>().Should().Be("accept_delivery");
        DefinitionCommands.Validate(doc.ToJsonString()).Errors.Should().BeEmpty();
    }

    [Theory]
    [InlineData("Bad Key")]
    [InlineData("implementing")]
    public void A_rename_to_a_bad_or_taken_key_is_refused(string to)
    {
        DefinitionEdits.RenameStage(Shipped, "accepting", to).Applied.Should().BeFalse();
    }

    [Fact]
    public void Deleting_a_stage_removes_the_actions_leading_to_it_everywhere_and_keeps_the_rest_valid()
    {
        var doc = Doc(DefinitionEdits.DeleteStage(Shipped, "requirement_rejected"));

        doc["actions"]!.AsArray().Should().NotContain(a => (string?)a!["key"] == "reject_requirement");
        Offered(doc, "requirement_confirming").Should().NotContain("reject_requirement");
        DefinitionCommands.Validate(doc.ToJsonString()).Errors.Should().BeEmpty();
    }

    [Fact]
    public void The_confirmation_lists_what_goes_with_a_stage()
    {
        DefinitionEdits.DeletedWithStage(Shipped, "completed").Should().BeEquivalentTo(new[] { ("action", "accept"), ("timer", "accepting/auto_accept"), ("intervention", "complete") });
        DefinitionEdits.DeletedWithStage(Shipped, "implementing").Should().BeEquivalentTo(new[] { ("action", "confirm_requirement"), ("action", "reject_delivery") });
    }

    [Fact]
    public void The_initial_stage_cannot_be_deleted()
    {
        DefinitionEdits.DeleteStage(Shipped, "requirement_pending").Refusal.Should().Be("edit.initialStage");
    }

    [Fact]
    public void An_action_no_stage_offers_any_more_is_removed_with_the_timers_performing_it()
    {
        var onlyHere = Doc(DefinitionEdits.DeleteAction(Shipped, "accepting", "accept"));
        onlyHere["actions"]!.AsArray().Should().NotContain(a => (string?)a!["key"] == "accept");
        Stage(onlyHere, "accepting")["timers"]!.AsArray().Should().NotContain(t => (string?)t!["key"] == "auto_accept");

        var sharedElsewhere = Doc(DefinitionEdits.DeleteAction(Shipped, "requirement_pending", "request_refund"));
        sharedElsewhere["actions"]!.AsArray().Should().Contain(a => (string?)a!["key"] == "request_refund");
    }

    [Fact]
    public void Setting_a_timer_by_keys_changes_only_that_property_and_empty_removes_it()
    {
        var doc = Doc(DefinitionEdits.Set(Shipped, "stages/accepting/timers/auto_accept/after", JsonValue.Create("P10D")));
        Stage(doc, "accepting")["timers"]![0]!["after"]!.GetValue<string>().Should().Be("P10D");
        DefinitionCommands.Validate(doc.ToJsonString()).Errors.Should().BeEmpty();

        var removed = Doc(DefinitionEdits.Set(Shipped, "stages/accepting/name/en", JsonValue.Create(" ")));
        Stage(removed, "accepting")["name"]!["en"].Should().BeNull();
        DefinitionEdits.Set(Shipped, "stages/nowhere/status", JsonValue.Create("active")).Refusal.Should().Be("edit.noElement");
    }

    [Fact]
    public void Replacing_an_element_keeps_its_key_and_refuses_bad_json()
    {
        var element = DefinitionEdits.Element(Shipped, "stages", "closed")!;
        var changed = Doc(DefinitionEdits.Replace(Shipped, "stages", "closed", element.Replace("已关闭", "已终止", StringComparison.Ordinal)));
        Stage(changed, "closed")["name"]!["zh-CN"]!.GetValue<string>().Should().Be("已终止");

        DefinitionEdits.Replace(Shipped, "stages", "closed", "{").Refusal.Should().Be("edit.notJson");
        DefinitionEdits.Replace(Shipped, "stages", "closed", element.Replace("\"closed\"", "\"ended\"", StringComparison.Ordinal)).Refusal.Should().Be("edit.keyChanged");
    }

    [Fact]
    public void Placed_positions_are_valid_drawn_and_forgotten_by_auto_layout()
    {
        var placed = DefinitionEdits.Place(Shipped, "completed", 1234.4, 20).Json!;

        DefinitionCommands.Validate(placed).Errors.Should().BeEmpty();
        var graph = ProcessGraph.Parse(placed);
        graph.Layout["completed"].Should().Be(new Position(1234, 20));
        LayeredLayout.Place(graph)["completed"].Should().Be(new Position(1234, 20));
        ProcessGraph.Parse(DefinitionEdits.ForgetLayout(placed).Json!).Layout.Should().BeEmpty();
    }

    [Fact]
    public void A_stage_placed_automatically_never_covers_one_the_designer_placed()
    {
        var auto = LayeredLayout.Arrange(ProcessGraph.Parse(Shipped));
        var onTopOfImplementing = auto["implementing"];
        var placed = DefinitionEdits.Place(Shipped, "completed", onTopOfImplementing.X, onTopOfImplementing.Y).Json!;

        var positions = LayeredLayout.Place(ProcessGraph.Parse(placed));

        foreach (var (a, pa) in positions)
        {
            positions.Where(p => p.Key != a).Should().NotContain(p => LayeredLayout.Overlap(p.Value, pa), $"{a} overlaps another stage");
        }
    }

    [Fact]
    public void Process_level_properties_are_replaced_or_removed_and_the_lists_are_not_touched_that_way()
    {
        var interventions = DefinitionEdits.Property(Shipped, "interventions");
        var without = Doc(DefinitionEdits.ReplaceProperty(Shipped, "interventions", string.Empty));
        without["interventions"].Should().BeNull();

        var back = Doc(DefinitionEdits.ReplaceProperty(without.ToJsonString(), "interventions", interventions));
        DefinitionCommands.Validate(back.ToJsonString()).Errors.Should().BeEmpty();
        DefinitionEdits.ReplaceProperty(Shipped, "stages", "[]").Refusal.Should().Be("edit.noElement");
        DefinitionEdits.ReplaceProperty(Shipped, "onStart", "{").Refusal.Should().Be("edit.notJson");
        DefinitionEdits.Keys(Shipped, "forms").Should().HaveCount(11).And.StartWith("requirement");
    }

    [Fact]
    public void A_document_that_is_not_json_is_refused_not_corrupted()
    {
        DefinitionEdits.AddStage("{ \"stages\": [", "x", "x", null).Refusal.Should().Be("edit.notJson");
    }

    [Fact]
    public void Edits_keep_chinese_readable_in_the_json_tab()
    {
        DefinitionEdits.AddStage(Shipped, "reviewing", "待复核", null).Json.Should().Contain("\"待复核\"").And.Contain("\"需求待提交\"");
    }

    [Fact]
    public void A_new_form_is_keyed_after_its_action_holds_a_first_field_and_leaves_the_definition_valid()
    {
        var connected = DefinitionEdits.Connect(Shipped, "implementing", "ask_client", "implementing", "询问买家", null, ["provider"]).Json!;

        var result = DefinitionEdits.AddForm(connected, "ask_client");

        var doc = Doc(result);
        doc["actions"]!.AsArray().OfType<JsonObject>().Single(a => (string?)a["key"] == "ask_client")["form"]!.GetValue<string>().Should().Be("ask_client");
        doc["forms"]!.AsArray().OfType<JsonObject>().Single(f => (string?)f["key"] == "ask_client")["fields"]!.AsArray().Should().ContainSingle();
        Codes(result.Json!).Should().BeEmpty();
    }
}
