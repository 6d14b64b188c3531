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

/// <summary>Field types.</summary>
public enum FieldType
{
    /// <summary>Free text with a maximum length.</summary>
    Text,

    /// <summary>One of a fixed list of values.</summary>
    Choice,
}

/// <summary>A form field.</summary>
public sealed class FieldDefinition
{
    internal FieldDefinition(string key, LocalizedText? name, FieldType type, bool required, int maxLength, ImmutableArray<ChoiceValue> values, bool isInternal)
    {
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
