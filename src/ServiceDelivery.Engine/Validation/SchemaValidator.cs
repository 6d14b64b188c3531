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
        var results = Embedded.Value.Schema.Evaluate(document, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
        {
            return [];
        }

        var errors = new List<ValidationError>();
        var seen = new HashSet<(string, string)>();
        foreach (var detail in results.Details ?? [])
        {
            if (detail.Errors is null)
            {
                continue;
            }

            var path = ToJsonPath(detail.InstanceLocation.ToString());
            foreach (var (keyword, message) in detail.Errors)
            {
                // oneOf/anyOf report a summary and each branch; the branch messages are the useful ones, once each.
                if (keyword is "oneOf" or "anyOf" || !seen.Add((path, message)))
                {
                    continue;
                }

                errors.Add(new ValidationError(path, "schema_" + keyword, LocalizedText.Of($"不符合 JSON Schema（{keyword}）：{message}", message)));
            }
        }

        if (errors.Count == 0)
        {
            errors.Add(new ValidationError("$", "schema", LocalizedText.Of("文档不符合 JSON Schema", "the document does not conform to the JSON Schema")));
        }

        return errors;
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
