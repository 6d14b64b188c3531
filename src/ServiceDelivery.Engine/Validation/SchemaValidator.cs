using System.Text.Json;
using Json.Schema;
using ServiceDelivery.Engine.Definitions;

namespace ServiceDelivery.Engine.Validation;

/// <summary>Checks a definition document against <c>workflows/process-definition.schema.json</c> (embedded).</summary>
public static class SchemaValidator
{
    private static readonly Lazy<(string Text, JsonSchema Schema)> Embedded = new(LoadEmbedded);

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
        Collect(results, errors, new HashSet<(string, string)>());
        if (errors.Count == 0)
        {
            errors.Add(new ValidationError("$", "schema", LocalizedText.Of("文档不符合 JSON Schema", "the document does not conform to the JSON Schema")));
        }

        return errors;
    }

    // Walks failed nodes only: a branch that failed under a oneOf/anyOf that passed is not a problem of the document.
    private static void Collect(EvaluationResults node, List<ValidationError> errors, HashSet<(string, string)> seen)
    {
        if (node.IsValid)
        {
            return;
        }

        var path = ToJsonPath(node.InstanceLocation.ToString());
        foreach (var (keyword, message) in node.Errors ?? [])
        {
            var (code, en) = keyword.Length > 0
                ? (keyword, message)
                // A "false" subschema (additionalProperties: false) reports without a keyword; name the property instead.
                : ("additionalProperties", $"property '{path[(path.LastIndexOf('.') + 1)..]}' is not allowed here");
            if (code is "oneOf" or "anyOf" || !seen.Add((path, en)))
            {
                continue;
            }

            errors.Add(new ValidationError(path, "schema_" + code, LocalizedText.Of($"不符合 JSON Schema（{code}）：{en}", en)));
        }

        foreach (var child in node.Details ?? [])
        {
            Collect(child, errors, seen);
        }
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

    private static (string, JsonSchema) LoadEmbedded()
    {
        using var stream = typeof(SchemaValidator).Assembly.GetManifestResourceStream("process-definition.schema.json")
            ?? throw new InvalidOperationException("The process definition schema is not embedded in the engine assembly.");
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        return (text, JsonSchema.FromText(text));
    }
}
