using ServiceDelivery.Application.Definitions;
using ServiceDelivery.Testing;
using ServiceDelivery.Web.Components.Studio;
using ServiceDelivery.Web.Studio;

namespace ServiceDelivery.Web.Tests;

/// <summary>
/// The canvas's geometry: names wrapped inside their stages, labels never under a stage or another label, in both
/// languages, for the shipped process and a 30-stage one. (The browser tests measure the drawn text too.)
/// </summary>
public sealed class CanvasLayoutTests
{
    private static readonly string Shipped = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "workflows", "manual-service-delivery.json"));

    public static TheoryData<string, string> Cases => new()
    {
        { "shipped", "zh-CN" },
        { "shipped", "en" },
        { "large", "zh-CN" },
        { "large", "en" },
    };

    private static ProcessGraph Graph(string which) => ProcessGraph.Parse(which == "shipped" ? Shipped : LargeProcess.Json(30));

    [Fact]
    public void The_large_process_is_a_valid_definition_of_thirty_stages()
    {
        var json = LargeProcess.Json(30);

        DefinitionCommands.Validate(json).Errors.Should().BeEmpty();
        ProcessGraph.Parse(json).Stages.Should().HaveCount(30);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void No_label_covers_a_stage_or_another_label(string which, string culture)
    {
        var graph = Graph(which);
        var positions = LayeredLayout.Place(graph);
        var stages = positions.Select(p => (p.Key, Box: new Box(p.Value.X, p.Value.Y, LayeredLayout.NodeWidth, LayeredLayout.NodeHeight))).ToList();

        var edges = CanvasEdge.Route(graph, positions, culture);

        edges.Should().HaveCount(graph.Edges.Count);
        foreach (var edge in edges)
        {
            var label = edge.LabelBox;
            label.W.Should().Be(edge.Label.Width);
            stages.Should().NotContain(s => s.Box.Overlap(label) > 0, $"the label of {edge.Action.Key} from {edge.Action.From} covers a stage");
            edges.Where(other => other != edge).Should().NotContain(other => other.LabelBox.Overlap(label) > 0, $"the label of {edge.Action.Key} from {edge.Action.From} covers another label");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void No_two_stages_touch_and_every_name_fits_its_stage_on_up_to_three_lines_or_is_cut_visibly(string which, string culture)
    {
        var graph = Graph(which);
        var positions = LayeredLayout.Place(graph);

        foreach (var stage in graph.Stages)
        {
            positions.Where(p => p.Key != stage.Key).Should().NotContain(p => LayeredLayout.Overlap(p.Value, positions[stage.Key]));
            var label = LayeredLayout.StageName(stage, culture);
            var lines = label.Lines;
            lines.Should().HaveCountLessThanOrEqualTo(label.Small ? 3 : 2);
            lines.Should().OnlyContain(l => TextWidth.Of(l, label.Size, true) <= LayeredLayout.NodeWidth - 20);
            var shown = string.Concat(lines).Replace(" ", "", StringComparison.Ordinal);
            var name = stage.Name.Get(culture).Replace(" ", "", StringComparison.Ordinal);
            (shown == name || shown.EndsWith('…')).Should().BeTrue($"“{stage.Name.Get(culture)}” is shown whole or visibly cut, not “{string.Join(" / ", lines)}”");
        }

        if (which == "shipped")
        {
            graph.Stages.Should().OnlyContain(s => !string.Concat(LayeredLayout.StageName(s, culture).Lines).EndsWith('…'), "the shipped names all fit");
        }
        else
        {
            graph.Stages.Should().OnlyContain(s => !string.Concat(LayeredLayout.StageName(s, culture).Lines).EndsWith('…'), "the 30-stage process's long names fit too, on three lines");
        }
    }

    [Fact]
    public void Long_names_wrap_between_words_in_english_and_between_characters_in_chinese()
    {
        var cut = TextWidth.Wrap("Waiting for the buyer to confirm the test results", 156, 15, maxLines: 2, bold: true);
        cut.Should().HaveCount(2).And.OnlyContain(l => !l.StartsWith(' ') && !l.EndsWith(' '));
        cut[^1].Should().EndWith("…");
        TextWidth.Wrap("Provider confirming requirement", 156, 15, maxLines: 2, bold: true).Should().Equal("Provider confirming", "requirement");
        TextWidth.Wrap("等待买家确认测试结果与验收范围", 156, 15, maxLines: 2, bold: true).Should().HaveCount(2);
    }

    [Fact]
    public void Adding_a_stage_and_an_action_moves_no_stage_already_drawn_and_auto_layout_rearranges_again()
    {
        var before = LayeredLayout.Place(ProcessGraph.Parse(Shipped));
        // A review step put in front of the provider's confirmation: every later stage's column would shift right.
        var added = DefinitionEdits.KeepPlaces(Shipped, DefinitionEdits.AddStage(Shipped, "reviewing", "待复核", "Under review").Json!);
        var into = DefinitionEdits.KeepPlaces(added, DefinitionEdits.Connect(added, "requirement_pending", "send_to_review", "reviewing", "提交复核", null, ["buyer"]).Json!);
        var connected = DefinitionEdits.Connect(into, "reviewing", "review_passed", "requirement_confirming", "复核通过", null, ["platform"]).Json!;
        var kept = DefinitionEdits.KeepPlaces(into, connected);
        LayeredLayout.Place(ProcessGraph.Parse(DefinitionEdits.ForgetLayout(kept).Json!)).Where(p => before.ContainsKey(p.Key))
            .Should().Contain(p => p.Value != before[p.Key], "the automatic layout would move stages (else this test proves nothing)");

        var after = LayeredLayout.Place(ProcessGraph.Parse(kept));

        foreach (var (key, at) in before)
        {
            after[key].Should().Be(at, $"{key} stays where the designer saw it");
        }

        after.Where(p => p.Key != "reviewing").Should().NotContain(p => LayeredLayout.Overlap(p.Value, after["reviewing"]), "the new stage finds a free place");
        after["reviewing"].Should().Be(new Position(LayeredLayout.Margin, LayeredLayout.TopMargin + LayeredLayout.NodeHeight + LayeredLayout.RowGap), "in sight: under the top row, from the left");
        ProcessGraph.Parse(DefinitionEdits.ForgetLayout(kept).Json!).Layout.Should().BeEmpty();
    }

    [Fact]
    public void A_dragged_stage_goes_where_it_was_dropped_while_the_others_hold()
    {
        var dropped = DefinitionEdits.Place(Shipped, "closed", 900, 700).Json!;

        var kept = LayeredLayout.Place(ProcessGraph.Parse(DefinitionEdits.KeepPlaces(Shipped, dropped)));

        kept["closed"].Should().Be(new Position(900, 700));
        var before = LayeredLayout.Place(ProcessGraph.Parse(Shipped));
        kept.Where(p => p.Key != "closed").Should().OnlyContain(p => p.Value == before[p.Key]);
    }

    [Fact]
    public void An_edit_that_moves_nothing_writes_no_positions()
    {
        var renamedAction = DefinitionEdits.KeepPlaces(Shipped, Shipped.Replace("\"验收通过\"", "\"确认验收\"", StringComparison.Ordinal));

        ProcessGraph.Parse(renamedAction).Layout.Should().BeEmpty();
    }
}
