using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using ServiceDelivery.Engine.Definitions;

namespace ServiceDelivery.Engine.Validation;

/// <summary>Checks a definition document against <c>workflows/process-definition.schema.json</c> (embedded).</summary>
public static class SchemaValidator
{
    private static readonly Lazy<(string Text, JsonSchema Schema, JsonNode Node)> Embedded = new(LoadEmbedded);

    /// <summary>The schema text, as served to designers.</summary>
    public static string SchemaText => Embedded.Value.Text;

    /// <summary>Schema violations with the instance's JSON path; empty when the document conforms.</summary>
    public static IReadOnlyList<ValidationError> Validate(JsonElement document)
    {
        var results = Embedded.Value.Schema.Evaluate(document, new EvaluationOptions { OutputFormat = OutputFormat.Hierarchical });
        if (results.IsValid)
        {
            return [];
        }

        var errors = new List<ValidationError>();
        Collect(results, document, errors, new HashSet<(string, string)>());
        if (errors.Count == 0)
        {
            errors.Add(new ValidationError("$", "schema", LocalizedText.Of("文档不符合流程定义的格式", "the document is not a process definition")));
        }

        return errors;
    }

    // Walks failed nodes only. Under a oneOf (a timer is either a timer or a reminder) every branch failed, but only one
    // was meant: the branch the document comes closest to (fewest missing or forbidden properties) is the one reported.
    private static void Collect(EvaluationResults node, JsonElement document, List<ValidationError> errors, HashSet<(string, string)> seen)
    {
        if (node.IsValid)
        {
            return;
        }

        var path = ToJsonPath(node.InstanceLocation.ToString());
        foreach (var (keyword, message) in node.Errors ?? [])
        {
            // A "false" subschema (additionalProperties: false) reports without a keyword.
            var code = keyword.Length > 0 ? keyword : "additionalProperties";
            if (code is "oneOf" or "anyOf" || !seen.Add((path, code + message)))
            {
                continue;
            }

            errors.Add(new ValidationError(path, "schema_" + code, SchemaWords.Describe(code, path, document, SchemaAt(node.SchemaLocation), message)));
        }

        var details = node.Details ?? [];
        if (node.Errors is not { Count: > 0 } && !details.Any(d => !d.IsValid))
        {
            // Only "not" fails without a message or a failed part: the object has a property its branch forbids.
            if (seen.Add((path, "not")))
            {
                errors.Add(new ValidationError(path, "schema_not", SchemaWords.Describe("not", path, document, SchemaAt(node.SchemaLocation), "")));
            }

            return;
        }

        // Under "not", a failed part is the document doing right.
        foreach (var child in details.Where(d => !IsBranch(d) && !d.EvaluationPath.ToString().EndsWith("/not", StringComparison.Ordinal)))
        {
            Collect(child, document, errors, seen);
        }

        // The branches of a oneOf/anyOf are listed as they failed; one that passed may be left out.
        var branches = details.Where(IsBranch).ToList();
        var declared = SchemaAt(node.SchemaLocation) is { } here ? ((here["oneOf"] ?? here["anyOf"]) as JsonArray)?.Count ?? 0 : 0;
        if (branches.Count > 0 && branches.All(b => !b.IsValid) && branches.Count >= declared)
        {
            var instance = At(document, node.InstanceLocation.ToString());
            Collect(branches.OrderBy(b => ShapeMisses(b, instance)).First(), document, errors, seen);
        }
    }

    private static bool IsBranch(EvaluationResults node) =>
        node.EvaluationPath.ToString().Split('/') is { Length: >= 2 } parts && parts[^2] is "oneOf" or "anyOf";

    // How far the object is from a branch's shape: the properties it requires that are missing, and those it forbids
    // (not: { anyOf: [{ required: [...] }] }) that are present. A wrong value counts nothing: that is the value's problem.
    private static int ShapeMisses(EvaluationResults branch, JsonElement? instance)
    {
        if (SchemaAt(branch.SchemaLocation) is not { } schema || instance is not { ValueKind: JsonValueKind.Object } value)
        {
            return int.MaxValue;
        }

        bool Has(JsonNode? name) => name?.GetValue<string>() is { } n && value.TryGetProperty(n, out _);
        var missing = (schema["required"] as JsonArray ?? []).Count(n => !Has(n));
        var forbidden = ((schema["not"] as JsonObject)?["anyOf"] as JsonArray ?? [])
            .Count(alternative => (alternative?["required"] as JsonArray ?? []).Any(Has));
        return missing + forbidden;
    }

    private static JsonElement? At(JsonElement document, string pointer)
    {
        var at = document;
        foreach (var raw in pointer.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (at.ValueKind == JsonValueKind.Array && int.TryParse(name, out var index) && index < at.GetArrayLength())
            {
                at = at[index];
            }
            else if (at.ValueKind == JsonValueKind.Object && at.TryGetProperty(name, out var next))
            {
                at = next;
            }
            else
            {
                return null;
            }
        }

        return at;
    }

    /// <summary>The subschema at a location the validator reports (its allowed values, limits), or null.</summary>
    private static JsonObject? SchemaAt(Uri location)
    {
        var fragment = Uri.UnescapeDataString(location.Fragment.TrimStart('#'));
        JsonNode? at = Embedded.Value.Node;
        foreach (var segment in fragment.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            at = at switch
            {
                JsonObject o => o[name],
                JsonArray a when int.TryParse(name, out var i) && i < a.Count => a[i],
                _ => null,
            };
        }

        return at as JsonObject;
    }

    /// <summary>Turns a JSON pointer (<c>/stages/4/key</c>) into a JSON path (<c>$.stages[4].key</c>).</summary>
    internal static string ToJsonPath(string pointer)
    {
        if (string.IsNullOrEmpty(pointer) || pointer == "/" || pointer == "#")
        {
            return "$";
        }

        var path = new System.Text.StringBuilder("$");
        foreach (var raw in pointer.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var segment = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (int.TryParse(segment, out var index))
            {
                path.Append('[').Append(index).Append(']');
            }
            else
            {
                path.Append('.').Append(segment);
            }
        }

        return path.ToString();
    }

    private static (string, JsonSchema, JsonNode) LoadEmbedded()
    {
        using var stream = typeof(SchemaValidator).Assembly.GetManifestResourceStream("process-definition.schema.json")
            ?? throw new InvalidOperationException("The process definition schema is not embedded in the engine assembly.");
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        return (text, JsonSchema.FromText(text), JsonNode.Parse(text)!);
    }
}
