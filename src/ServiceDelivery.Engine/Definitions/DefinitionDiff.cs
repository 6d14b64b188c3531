using System.Text.Json;
using System.Text.Json.Nodes;

namespace ServiceDelivery.Engine.Definitions;

/// <summary>What kind of element changed between two versions of a definition.</summary>
public enum DiffElement
{
    Process,
    Stage,
    Action,
    Timer,
    Form,
    Intervention,
}

/// <summary>Added, removed or changed.</summary>
public enum DiffKind
{
    Added,
    Removed,
    Changed,
}

/// <summary>
/// One difference. <paramref name="Key"/> names the element (a timer as <c>stage/timer</c>); for a change,
/// <paramref name="Property"/> says which property and <paramref name="Before"/> / <paramref name="After"/> its values
/// as JSON text.
/// </summary>
public sealed record DefinitionChange(DiffKind Kind, DiffElement Element, string Key, string? Property = null, string? Before = null, string? After = null);

/// <summary>
/// Compares two definition documents element by element (stages, actions, timers, forms, interventions, matched by
/// key; properties compared as JSON), tolerating invalid drafts. The layout a designer dragged is not a change.
/// </summary>
public static class DefinitionDiff
{
    private static readonly HashSet<string> Ignored = ["layout", "version", "$schema"];

    public static IReadOnlyList<DefinitionChange> Compare(string beforeJson, string afterJson)
    {
        var before = Parse(beforeJson);
        var after = Parse(afterJson);
        var changes = new List<DefinitionChange>();
        CompareProperties(DiffElement.Process, before["key"]?.ToString() ?? string.Empty, before, after, ["stages", "actions", "forms", "interventions"], changes);
        CompareList(DiffElement.Stage, Keyed(before["stages"]), Keyed(after["stages"]), ["timers"], changes);
        foreach (var (stage, afterStage) in Keyed(after["stages"]))
        {
            var beforeStage = Keyed(before["stages"]).GetValueOrDefault(stage);
            CompareList(DiffElement.Timer, Keyed(beforeStage?["timers"], stage + "/"), Keyed(afterStage["timers"], stage + "/"), [], changes);
        }

        foreach (var (stage, beforeStage) in Keyed(before["stages"]).Where(s => !Keyed(after["stages"]).ContainsKey(s.Key)))
        {
            CompareList(DiffElement.Timer, Keyed(beforeStage["timers"], stage + "/"), [], [], changes);
        }

        CompareList(DiffElement.Action, Keyed(before["actions"]), Keyed(after["actions"]), [], changes);
        CompareList(DiffElement.Form, Keyed(before["forms"]), Keyed(after["forms"]), [], changes);
        CompareList(DiffElement.Intervention, Named(before["interventions"]), Named(after["interventions"]), [], changes);
        return changes;
    }

    private static JsonObject Parse(string json)
    {
        try
        {
            return JsonNode.Parse(json) as JsonObject ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private static Dictionary<string, JsonObject> Keyed(JsonNode? list, string prefix = "")
    {
        var keyed = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var item in (list as JsonArray ?? []).OfType<JsonObject>())
        {
            if (item["key"] is JsonValue key && key.TryGetValue<string>(out var text))
            {
                keyed.TryAdd(prefix + text, item);
            }
        }

        return keyed;
    }

    private static Dictionary<string, JsonObject> Named(JsonNode? map) =>
        (map as JsonObject ?? []).Where(p => p.Value is JsonObject).ToDictionary(p => p.Key, p => (JsonObject)p.Value!, StringComparer.Ordinal);

    private static void CompareList(DiffElement element, Dictionary<string, JsonObject> before, Dictionary<string, JsonObject> after, string[] nested, List<DefinitionChange> changes)
    {
        foreach (var key in before.Keys.Where(k => !after.ContainsKey(k)))
        {
            changes.Add(new DefinitionChange(DiffKind.Removed, element, key));
        }

        foreach (var (key, item) in after)
        {
            if (!before.TryGetValue(key, out var old))
            {
                changes.Add(new DefinitionChange(DiffKind.Added, element, key));
                continue;
            }

            CompareProperties(element, key, old, item, nested, changes);
        }
    }

    private static void CompareProperties(DiffElement element, string key, JsonObject before, JsonObject after, string[] nested, List<DefinitionChange> changes)
    {
        var names = before.Select(p => p.Key).Union(after.Select(p => p.Key), StringComparer.Ordinal)
            .Where(n => !Ignored.Contains(n) && !nested.Contains(n) && n != "key")
            .Order(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var old = before[name];
            var now = after[name];
            if (!JsonNode.DeepEquals(old, now))
            {
                changes.Add(new DefinitionChange(DiffKind.Changed, element, key, name, old?.ToJsonString(), now?.ToJsonString()));
            }
        }
    }
}
