using System.Buffers;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ServiceDelivery.Application.Common;

namespace ServiceDelivery.Host.Endpoints;

/// <remarks>Minimal APIs call the static BindAsync on the parameter type itself, hence a static member on a generic type.</remarks>
/// <summary>
/// A JSON request body bound by us rather than by the framework, so that every way a body can be wrong (not
/// JSON, wrong content type, unknown or mistyped fields, too large) becomes our problem details with a field
/// path, instead of the framework's bare 400.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "Minimal APIs bind through a static BindAsync on the parameter type.")]
public sealed class JsonBody<T>
    where T : class
{
    /// <summary>Largest JSON body accepted (definitions are larger; they have their own limit).</summary>
    public const int MaxBytes = 1024 * 1024;

    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowTrailingCommas = false,
        ReadCommentHandling = JsonCommentHandling.Disallow,
    };

    private JsonBody(T? value, Failure? failure)
    {
        Value = value;
        Failure = failure;
    }

    public T? Value { get; }

    public Failure? Failure { get; }

    public static async ValueTask<JsonBody<T>> BindAsync(HttpContext http, ParameterInfo parameter)
    {
        ArgumentNullException.ThrowIfNull(http);
        var (text, failure) = await JsonText.ReadAsync(http, MaxBytes);
        if (failure is not null)
        {
            return new JsonBody<T>(null, failure);
        }

        try
        {
            var value = JsonSerializer.Deserialize<T>(text!, Options);
            return value is null
                ? new JsonBody<T>(null, Failure.Invalid(new InputError("$", "required")))
                : new JsonBody<T>(value, null);
        }
        catch (JsonException ex)
        {
            // The text parsed, so this is a shape problem: a field we do not take, or a value of the wrong type.
            var unknown = ex.Message.Contains("could not be mapped", StringComparison.Ordinal);
            return new JsonBody<T>(null, Failure.Invalid(new InputError(FieldOf(ex.Path), unknown ? "unknown_field" : "wrong_type")));
        }
    }

    internal static string FieldOf(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "$" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;
}

/// <summary>Reads a JSON request body as text with the checks every JSON endpoint shares.</summary>
public static class JsonText
{
    /// <summary>The body as text, refusing non-JSON content types (415), bodies over <paramref name="maxBytes"/> bytes (413) and anything that is not JSON in UTF-8 (400).</summary>
    public static async Task<(string? Text, Failure? Failure)> ReadAsync(HttpContext http, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (!http.Request.HasJsonContentType())
        {
            return (null, new Failure("unsupported_media_type"));
        }

        if (http.Request.ContentLength > maxBytes)
        {
            return (null, new Failure("payload_too_large"));
        }

        // Read into a pooled buffer that grows only as far as the body does: most bodies are a few hundred bytes.
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            var total = 0;
            int read;
            while ((read = await http.Request.Body.ReadAsync(buffer.AsMemory(total), http.RequestAborted)) > 0)
            {
                total += read;
                if (total > maxBytes)
                {
                    return (null, new Failure("payload_too_large"));
                }

                if (total == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, maxBytes + 1));
                    buffer.AsSpan(0, total).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
            }

            var body = buffer.AsMemory(0, total);
            // JSON is UTF-8: a decoder would silently replace invalid bytes (and the parser only checks them in the
            // strings it is asked to read), so check all of them first.
            if (!System.Text.Unicode.Utf8.IsValid(body.Span))
            {
                return (null, Failure.Invalid(new InputError("$", "malformed_json")));
            }

            // The parser also refuses a name given twice in one object (the serializer would keep the last silently).
            try
            {
                using var document = JsonDocument.Parse(body, new JsonDocumentOptions { AllowDuplicateProperties = false });
                // NUL and lone surrogates can only arrive escaped (\u0000, \ud800): look at the strings only then.
                if (body.Span.IndexOf("\\u"u8) >= 0 && FirstUnacceptable(document.RootElement, "$") is { } error)
                {
                    return (null, Failure.Invalid(error));
                }
            }
            catch (JsonException ex)
            {
                if (ex.Message.Contains("duplicate", StringComparison.OrdinalIgnoreCase))
                {
                    // The parser names the property in its message ("…property 'description'…") and the object in its path.
                    var name = System.Text.RegularExpressions.Regex.Match(ex.Message, "'([^']*)'") is { Success: true } quoted ? "." + quoted.Groups[1].Value : string.Empty;
                    return (null, Failure.Invalid(new InputError(JsonBody<object>.FieldOf((ex.Path ?? "$") + name), "duplicate_field")));
                }

                return (null, Failure.Invalid(new InputError(JsonBody<object>.FieldOf(ex.Path), "malformed_json")));
            }

            return (Encoding.UTF8.GetString(body.Span), null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Strings JSON allows but we cannot store: a NUL or a lone surrogate, both escaped (\u0000, \ud800).</summary>
    private static InputError? FirstUnacceptable(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return Storable(element) ? null : new InputError(JsonBody<object>.FieldOf(path), StorableText.InvalidTextCode);
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (FirstUnacceptable(item, $"{path}[{index++}]") is { } error)
                    {
                        return error;
                    }
                }

                return null;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (!Storable(property))
                    {
                        return new InputError(JsonBody<object>.FieldOf(path), StorableText.InvalidTextCode);
                    }

                    if (FirstUnacceptable(property.Value, $"{path}.{property.Name}") is { } error)
                    {
                        return error;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    // Reading a lone surrogate escape as a .NET string throws; either failure means the text cannot be stored.
    private static bool Storable(JsonElement element)
    {
        try
        {
            return StorableText.IsStorable(element.GetString()!);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static bool Storable(JsonProperty property)
    {
        try
        {
            return StorableText.IsStorable(property.Name);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
