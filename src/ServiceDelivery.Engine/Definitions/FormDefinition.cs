using System.Collections.Immutable;

namespace ServiceDelivery.Engine.Definitions;

/// <summary>The input of an action or intervention: fields and attachments.</summary>
public sealed class FormDefinition
{
    internal FormDefinition(string key, ImmutableArray<FieldDefinition> fields, int maxAttachments)
    {
        Key = key;
        Fields = fields;
        MaxAttachments = maxAttachments;
        HasInternalFields = fields.Any(f => f.IsInternal);
    }

    /// <summary>Form key.</summary>
    public string Key { get; }

    /// <summary>Fields in document order.</summary>
    public ImmutableArray<FieldDefinition> Fields { get; }

    /// <summary>True when some field is platform-internal.</summary>
    public bool HasInternalFields { get; }

    /// <summary>How many attachments the form takes (0: none).</summary>
    public int MaxAttachments { get; }

    /// <summary>The field with this key, or null.</summary>
    public FieldDefinition? Field(string key)
    {
        foreach (var field in Fields)
        {
            if (field.Key == key)
            {
                return field;
            }
        }

        return null;
    }

    /// <summary>True when the system could submit the form empty (no required field).</summary>
    public bool CanBeEmpty => Fields.All(f => !f.Required);
}

/// <summary>Field types. Every value travels as a string; each type says which strings it takes.</summary>
public enum FieldType
{
    /// <summary>Free text with a maximum length (multi-line unless <see cref="FieldDefinition.SingleLine"/>).</summary>
    Text,

    /// <summary>One of a fixed list of values.</summary>
    Choice,

    /// <summary>A decimal number ("12", "-3.5"), optionally within <see cref="FieldDefinition.Min"/>..<see cref="FieldDefinition.Max"/>.</summary>
    Number,

    /// <summary>A calendar date, yyyy-MM-dd.</summary>
    Date,

    /// <summary>"true" or "false"; a required one must be "true" (a box to tick, e.g. "I agree").</summary>
    Boolean,

    /// <summary>An e-mail address.</summary>
    Email,

    /// <summary>An absolute http or https address.</summary>
    Url,
}

/// <summary>Wire names of <see cref="FieldType"/>.</summary>
public static class FieldTypes
{
    /// <summary>The longest e-mail address (RFC 5321) when the definition sets no maxLength.</summary>
    public const int EmailMaxLength = 254;

    /// <summary>The longest address when the definition sets no maxLength.</summary>
    public const int UrlMaxLength = 2048;

    /// <summary>The wire name.</summary>
    public static string ToKey(this FieldType type) => type.ToString().ToLowerInvariant();

    /// <summary>Parses a wire name.</summary>
    public static bool TryParse(string? key, out FieldType type)
    {
        foreach (var candidate in Enum.GetValues<FieldType>())
        {
            if (candidate.ToKey() == key)
            {
                type = candidate;
                return true;
            }
        }

        type = default;
        return false;
    }
}

/// <summary>A form field.</summary>
public sealed class FieldDefinition
{
    internal FieldDefinition(string key, LocalizedText? name, FieldType type, bool required, int maxLength, ImmutableArray<ChoiceValue> values, bool isInternal,
        decimal? min = null, decimal? max = null, bool singleLine = false)
    {
        Min = min;
        Max = max;
        SingleLine = singleLine;
        Key = key;
        Name = name;
        Type = type;
        Required = required;
        MaxLength = maxLength;
        Values = values;
        IsInternal = isInternal;
    }

    /// <summary>camelCase key as sent by clients.</summary>
    public string Key { get; }

    /// <summary>Display name.</summary>
    public LocalizedText? Name { get; }

    /// <summary>Type.</summary>
    public FieldType Type { get; }

    /// <summary>Whether a non-blank value is required.</summary>
    public bool Required { get; }

    /// <summary>Maximum length in Unicode scalar values (text fields).</summary>
    public int MaxLength { get; }

    /// <summary>Allowed values (choice fields).</summary>
    public ImmutableArray<ChoiceValue> Values { get; }

    /// <summary>A platform-internal note: only the platform reads it in the process log.</summary>
    public bool IsInternal { get; }

    /// <summary>Smallest allowed value (number fields).</summary>
    public decimal? Min { get; }

    /// <summary>Largest allowed value (number fields).</summary>
    public decimal? Max { get; }

    /// <summary>A text field of one line (a name, a reference) rather than a paragraph.</summary>
    public bool SingleLine { get; }

    /// <summary>True when the choice field allows <paramref name="value"/>.</summary>
    public bool Allows(string value)
    {
        foreach (var choice in Values)
        {
            if (choice.Key == value)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>An allowed value of a choice field.</summary>
/// <param name="Key">Value as sent by clients.</param>
/// <param name="Name">Display name.</param>
public sealed record ChoiceValue(string Key, LocalizedText Name);
