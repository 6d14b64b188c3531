using System.Text.Json;
using System.Text.Json.Nodes;

namespace ServiceDelivery.Web.Studio;

/// <summary>A stage as the canvas draws it.</summary>
public sealed record StageNode(string Key, Texts Name, string Status, IReadOnlyList<TimerBadge> Timers);

/// <summary>An action offered in <paramref name="From"/> leading to <paramref name="To"/> (a stage key, <c>$stay</c> or <c>$return</c>).</summary>
public sealed record ActionEdge(string Key, string From, string To, Texts Name, IReadOnlyList<string> Roles);

/// <summary>A timer or reminder of a stage: "⏱ 15 天 → 自动验收".</summary>
public sealed record TimerBadge(string Key, string? After, string? Perform, string? Remind, string? Before);

/// <summary>Text in both languages, as definitions write names.</summary>
public sealed record Texts(string ZhCn, string En)
{
    public string Get(string culture) => culture.StartsWith("en", StringComparison.OrdinalIgnoreCase) && En.Length > 0 ? En : ZhCn;
}

/// <summary>
/// The drawable shape of a definition document, read tolerantly: a draft may be invalid (that is what the problems
/// panel is for), and the canvas still shows what is there.
/// </summary>
public sealed class ProcessGraph
{
    public const string Stay = ServiceDelivery.Engine.Definitions.ActionDefinition.Stay;
    public const string Return = ServiceDelivery.Engine.Definitions.ActionDefinition.Return;

    private ProcessGraph(string? initialStage, IReadOnlyList<StageNode> stages, IReadOnlyList<ActionEdge> edges, Texts name, IReadOnlyDictionary<string, Position>? layout = null)
    {
        InitialStage = initialStage;
        Stages = stages;
        Edges = edges;
        Name = name;
        Layout = layout ?? new Dictionary<string, Position>();
    }

    /// <summary>Positions the designer saved (the document's <c>layout</c>); stages not in it are placed automatically.</summary>
    public IReadOnlyDictionary<string, Position> Layout { get; }

    public string? InitialStage { get; }

    public IReadOnlyList<StageNode> Stages { get; }

    public IReadOnlyList<ActionEdge> Edges { get; }

    public Texts Name { get; }

    /// <summary>Distinct actions drawn (an action offered in several stages is one action with several edges).</summary>
    public int ActionCount => Edges.Select(e => e.Key).Distinct(StringComparer.Ordinal).Count();

    public static ProcessGraph Parse(string json)
    {
        if (DefinitionEdits.Parse(json) is not { } root)
        {
            return new ProcessGraph(null, [], [], new Texts(string.Empty, string.Empty));
        }

        var actions = (root["actions"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Where(a => Str(a["key"]) is not null)
            .GroupBy(a => Str(a["key"])!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var stages = new List<StageNode>();
        var edges = new List<ActionEdge>();
        foreach (var stage in (root["stages"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (Str(stage["key"]) is not { } key)
            {
                continue;
            }

            var timers = (stage["timers"] as JsonArray ?? []).OfType<JsonObject>()
                .Select(t => new TimerBadge(Str(t["key"]) ?? "?", Str(t["after"]), Str(t["perform"]), Str(t["remind"]), Str(t["before"])))
                .ToList();
            stages.Add(new StageNode(key, TextsOf(stage["name"], key), Str(stage["status"]) ?? "active", timers));
            foreach (var offered in (stage["actions"] as JsonArray ?? []).Select(Str).OfType<string>())
            {
                if (actions.TryGetValue(offered, out var action) && Str(action["to"]) is { } to)
                {
                    var roles = (action["roles"] as JsonArray ?? []).Select(Str).OfType<string>().ToList();
                    edges.Add(new ActionEdge(offered, key, to, TextsOf(action["name"], offered), roles));
                }
            }
        }

        var layout = new Dictionary<string, Position>(StringComparer.Ordinal);
        foreach (var (key, at) in root["layout"] as JsonObject ?? [])
        {
            if (at is JsonObject xy && Num(xy["x"]) is { } x && Num(xy["y"]) is { } y && stages.Any(s => s.Key == key))
            {
                layout[key] = new Position(x, y);
            }
        }

        return new ProcessGraph(Str(root["initialStage"]), stages, edges, TextsOf(root["name"], Str(root["key"]) ?? string.Empty), layout);
    }

    private static string? Str(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text) ? text : null;

    private static double? Num(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<double>(out var number) && double.IsFinite(number) && number >= 0 ? number : null;

    private static Texts TextsOf(JsonNode? node, string fallback) =>
        node is JsonObject names
            ? new Texts(Str(names["zh-CN"]) ?? fallback, Str(names["en"]) ?? Str(names["zh-CN"]) ?? fallback)
            : new Texts(fallback, fallback);
}

/// <summary>What the designer selected: a stage, or an action (with the stage whose edge was clicked).</summary>
public sealed record Selection(string? Stage, string? Action);

