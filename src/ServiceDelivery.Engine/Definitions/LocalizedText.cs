using System.Collections.Frozen;

namespace ServiceDelivery.Engine.Definitions;

/// <summary>A text in several cultures; zh-CN is the default and the fallback.</summary>
public sealed class LocalizedText
{
    /// <summary>The default culture of every user-facing text.</summary>
    public const string DefaultCulture = "zh-CN";

    private readonly FrozenDictionary<string, string> _values;

    /// <summary>Creates a text from culture → value pairs.</summary>
    public LocalizedText(IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        _values = values.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Creates a text from its Chinese and English wording.</summary>
    public static LocalizedText Of(string zhCn, string en) =>
        new(new Dictionary<string, string> { [DefaultCulture] = zhCn, ["en"] = en });

    /// <summary>All cultures and their values.</summary>
    public IReadOnlyDictionary<string, string> Values => _values;

    /// <summary>
    /// The text for a culture name such as "en-US": exact match, then the neutral language, then zh-CN,
    /// then any value.
    /// </summary>
    public string Get(string? culture)
    {
        if (!string.IsNullOrEmpty(culture))
        {
            if (_values.TryGetValue(culture, out var exact))
            {
                return exact;
            }

            var dash = culture.IndexOf('-', StringComparison.Ordinal);
            if (dash > 0 && _values.TryGetValue(culture[..dash], out var neutral))
            {
                return neutral;
            }

            // "zh", "zh-Hans", "zh-TW" all read the default Chinese text rather than falling to English.
            if (culture.StartsWith("zh", StringComparison.OrdinalIgnoreCase) && _values.TryGetValue(DefaultCulture, out var chinese))
            {
                return chinese;
            }
        }

        return _values.TryGetValue(DefaultCulture, out var fallback) ? fallback : _values.Values.FirstOrDefault() ?? string.Empty;
    }

    /// <inheritdoc />
    public override string ToString() => Get(DefaultCulture);
}
