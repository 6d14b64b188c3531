using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ServiceDelivery.Engine.Definitions;

namespace ServiceDelivery.Engine.Validation;

/// <summary>
/// Schema violations in the words of a process designer: which element (stage "待验收", its timer auto_accept), which
/// field (到时时长 after), what is wrong and what a right value looks like — instead of the validator's JSON-Schema
/// English ("Required properties [...] are not present").
/// </summary>
internal static partial class SchemaWords
{
    /// <summary>How a duration is written; said wherever one is wrong.</summary>
    public static readonly LocalizedText DurationShape = LocalizedText.Of(
        "时长格式：P10D 表示 10 天，PT12H 表示 12 小时，P1DT6H 表示 1 天 6 小时，P2W 表示 2 周。",
        "Durations are written like P10D (10 days), PT12H (12 hours), P1DT6H (1 day 6 hours), P2W (2 weeks).");

    private static readonly Dictionary<string, (string Zh, string En)> Fields = new(StringComparer.Ordinal)
    {
        ["key"] = ("标识", "key"),
        ["name"] = ("名称", "name"),
        ["description"] = ("说明", "description"),
        ["version"] = ("版本号", "version"),
        ["initialStage"] = ("起始阶段", "initial stage"),
        ["stages"] = ("阶段列表", "stages"),
        ["forms"] = ("表单列表", "forms"),
        ["layout"] = ("画布位置", "canvas positions"),
        ["interventions"] = ("平台干预", "interventions"),
        ["status"] = ("状态", "status"),
        ["assignees"] = ("待办角色", "assignees"),
        ["actions"] = ("可做的动作", "actions"),
        ["timers"] = ("计时器", "timers"),
        ["onEnter"] = ("进入时的通知", "on-enter notifications"),
        ["onStart"] = ("开始时的通知", "on-start notifications"),
        ["onTicket"] = ("工单通知", "ticket notifications"),
        ["roles"] = ("执行角色", "roles"),
        ["to"] = ("目标", "target"),
        ["form"] = ("表单", "form"),
        ["guards"] = ("前提条件", "guards"),
        ["elsewhere"] = ("在其他阶段尝试时的拒绝", "rejection elsewhere"),
        ["notify"] = ("通知", "notifications"),
        ["fields"] = ("字段", "fields"),
        ["attachments"] = ("附件", "attachments"),
        ["maxCount"] = ("附件数上限", "maximum attachments"),
        ["type"] = ("类型", "type"),
        ["required"] = ("必填", "required"),
        ["maxLength"] = ("最大长度", "maximum length"),
        ["min"] = ("最小值", "minimum"),
        ["max"] = ("最大值", "maximum"),
        ["singleLine"] = ("单行", "single line"),
        ["values"] = ("可选值", "choices"),
        ["internal"] = ("仅平台可见", "internal"),
        ["after"] = ("到时时长", "duration"),
        ["perform"] = ("到时执行的动作", "action to perform"),
        ["remind"] = ("提醒的计时器", "timer to remind of"),
        ["before"] = ("提前时长", "time before"),
        ["freezeWhile"] = ("冻结条件", "freeze while"),
        ["template"] = ("邮件模板", "mail template"),
        ["x"] = ("横坐标", "x"),
        ["y"] = ("纵坐标", "y"),
    };

    private static readonly Dictionary<string, (string Zh, string En)> Types = new(StringComparer.Ordinal)
    {
        ["string"] = ("文本（用引号括起来）", "text (in quotes)"),
        ["number"] = ("数字", "a number"),
        ["integer"] = ("整数", "a whole number"),
        ["object"] = ("对象 { … }", "an object { … }"),
        ["array"] = ("列表 [ … ]", "a list [ … ]"),
        ["boolean"] = ("true 或 false", "true or false"),
    };

    /// <summary>The problem <paramref name="keyword"/> reports at <paramref name="path"/>, in words.</summary>
    /// <param name="keyword">The failed schema keyword (required, pattern, enum, …; "not" for a timer mixing both kinds).</param>
    /// <param name="path">JSON path of the value (<c>$.stages[4].timers[0].after</c>).</param>
    /// <param name="document">The document checked (to name elements and quote values).</param>
    /// <param name="schema">The subschema that failed (for allowed values and limits), if found.</param>
    /// <param name="raw">The validator's own message, the last resort.</param>
    public static LocalizedText Describe(string keyword, string path, JsonElement document, JsonObject? schema, string raw)
    {
        var segments = Segments(path);
        var value = ValueAt(document, segments);
        // required and not speak of the object the path points at; the others of the property it ends in.
        var property = keyword is not ("required" or "not") && segments.Count > 0 && segments[^1] is string p ? p : null;
        var (whereZh, whereEn) = Where(document, property is null ? segments : segments.Take(segments.Count - 1).ToList());
        var (fieldZh, fieldEn) = property is null ? ("", "") : Field(property, segments);
        var quoted = value is { } v ? Quote(v) : null;

        switch (keyword)
        {
            case "required":
                var missing = Missing(raw);
                return Of($"{whereZh}缺少{string.Join("、", missing.Select(m => Label(m).Zh))}。",
                          $"{Capital(whereEn)} needs {string.Join(", ", missing.Select(m => Label(m).En))}.");
            case "additionalProperties":
                return Of($"{whereZh}没有“{property}”这一项：拼写错误，或者放错了位置？",
                          $"{Capital(whereEn)} has no “{property}”: a typo, or in the wrong place?");
            case "pattern" when segments.Count >= 2 && segments[^2] is "name" or "description":
                var (ownerZh, ownerEn) = Where(document, segments.Take(segments.Count - 1).ToList());
                return Of($"{ownerZh}里的“{property}”不是语言代码。语言写作 zh-CN 或 en。",
                          $"“{property}” in {ownerEn} is not a language code. Languages are written zh-CN or en.");
            case "pattern":
                var (shapeZh, shapeEn) = Shape(property, segments, schema);
                return Of($"{whereZh}的{fieldZh}写成了 {quoted}，格式不对。{shapeZh}",
                          $"The {fieldEn} of {whereEn} is {quoted}, which is not the right shape. {shapeEn}");
            case "enum":
                var allowed = schema?["enum"] is JsonArray values ? string.Join(", ", values.Select(x => x?.ToJsonString())) : null;
                return Of($"{whereZh}的{fieldZh}不能是 {quoted}。" + (allowed is null ? "" : $"可选：{allowed}。"),
                          $"The {fieldEn} of {whereEn} cannot be {quoted}." + (allowed is null ? "" : $" Choose one of {allowed}."));
            case "type":
                var type = schema?["type"]?.GetValue<string>() is { } t && Types.TryGetValue(t, out var words) ? words : ("另一种类型", "of another type");
                return Of($"{whereZh}的{fieldZh}应该是{type.Item1}，现在是 {quoted}。",
                          $"The {fieldEn} of {whereEn} should be {type.Item2}, not {quoted}.");
            case "minProperties" when schema?.ContainsKey("propertyNames") == true:
                return Of($"{whereZh}的{fieldZh}至少写一种语言，例如 {{ \"zh-CN\": \"…\", \"en\": \"…\" }}。",
                          $"The {fieldEn} of {whereEn} needs at least one language, e.g. {{ \"zh-CN\": \"…\", \"en\": \"…\" }}.");
            case "minItems" or "minProperties":
                var least = Limit(schema, keyword) ?? "1";
                return Of($"{whereZh}的{fieldZh}至少要有 {least} 项。", $"The {fieldEn} of {whereEn} needs at least {least}.");
            case "minLength":
                return Of($"{whereZh}的{fieldZh}不能为空。", $"The {fieldEn} of {whereEn} cannot be empty.");
            case "maxLength":
                return Of($"{whereZh}的{fieldZh}最多 {Limit(schema, keyword)} 个字符。", $"The {fieldEn} of {whereEn} takes at most {Limit(schema, keyword)} characters.");
            case "minimum":
                return Of($"{whereZh}的{fieldZh}不能小于 {Limit(schema, keyword)}（现在是 {quoted}）。", $"The {fieldEn} of {whereEn} cannot be less than {Limit(schema, keyword)} (it is {quoted}).");
            case "maximum":
                return Of($"{whereZh}的{fieldZh}不能大于 {Limit(schema, keyword)}（现在是 {quoted}）。", $"The {fieldEn} of {whereEn} cannot be more than {Limit(schema, keyword)} (it is {quoted}).");
            case "uniqueItems":
                return Of($"{whereZh}的{fieldZh}有重复的项。", $"The {fieldEn} of {whereEn} lists something twice.");
            case "not" when segments.Contains("timers"):
                return Of($"{whereZh}既有计时器的项（after、perform），又有提醒的项（remind、before）：计时器在一段时长后执行动作，提醒在计时器到时之前发通知，二选一。",
                          $"{Capital(whereEn)} mixes a timer (after, perform) with a reminder (remind, before): a timer performs an action after a duration, a reminder sends mail before a timer fires; choose one.");
            default:
                return Of($"{whereZh}{(property is null ? "" : "的" + fieldZh)}不符合要求：{raw}", $"{Capital(whereEn)}{(property is null ? "" : $" ({fieldEn})")}: {raw}");
        }
    }

    private static LocalizedText Of(string zh, string en) => LocalizedText.Of(zh, en);

    private static (string Zh, string En) Label(string property) =>
        Fields.TryGetValue(property, out var label) ? ($"{label.Zh}（{property}）", $"{(label.En == property ? property : $"{label.En} ({property})")}") : ($"“{property}”", $"“{property}”");

    // A language entry of a name ($.stages[0].name.en) is "the en name"; everything else by its label.
    private static (string Zh, string En) Field(string property, List<object> segments) =>
        segments.Count >= 2 && segments[^2] is "name" or "description" ? ($"{property} 名称", $"{property} name") : Label(property);

    private static (string Zh, string En) Shape(string? property, List<object> segments, JsonObject? schema)
    {
        if (property is "after" or "before")
        {
            return (DurationShape.Get("zh-CN"), DurationShape.Get("en"));
        }

        if (property == "key" && segments.Contains("fields"))
        {
            return ("字段标识用 camelCase：小写字母开头，只用字母和数字，例如 contactPhone。", "A field key is camelCase: a lower-case letter, then letters and digits, e.g. contactPhone.");
        }

        return ("标识以小写字母开头，只用小写字母、数字、_ 和 -，最多 64 个字符，例如 needs_review。",
                "A key starts with a lower-case letter and has only lower-case letters, digits, _ and -, at most 64, e.g. needs_review.");
    }

    private static string? Limit(JsonObject? schema, string keyword) =>
        schema?[keyword] is JsonValue limit ? limit.ToJsonString() : null;

    /// <summary>The element a path points into, named the way the designer sees it: 阶段“待验收”的计时器 auto_accept.</summary>
    private static (string Zh, string En) Where(JsonElement document, List<object> segments)
    {
        var zh = new List<string>();
        var en = new List<string>();
        var at = document;
        for (var i = 0; i < segments.Count; i++)
        {
            if (!Step(ref at, segments[i]))
            {
                break;
            }

            if (segments[i] is string named)
            {
                var parent = i > 0 ? segments[i - 1] as string : null;
                if (parent == "layout")
                {
                    zh.Add($"阶段 {named} 的画布位置");
                    en.Insert(0, $"canvas position of stage {named}");
                }
                else if (parent == "interventions")
                {
                    zh.Add($"平台干预 {named}");
                    en.Insert(0, $"intervention {named}");
                }
                else if (i == segments.Count - 1 && Fields.TryGetValue(named, out var label) && at.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                {
                    zh.Add(label.Zh);
                    en.Insert(0, label.En);
                }

                continue;
            }

            if (segments[i] is not int index || i == 0 || segments[i - 1] is not string list)
            {
                continue;
            }

            var key = at.ValueKind == JsonValueKind.Object && at.TryGetProperty("key", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;
            var shown = at.ValueKind == JsonValueKind.Object && at.TryGetProperty("name", out var n) ? NameOf(n) : default;
            var (what, whatEn) = list switch
            {
                "stages" => ("阶段", "stage"),
                "actions" => ("动作", "action"),
                "forms" => ("表单", "form"),
                "fields" => ("字段", "field"),
                "values" => ("选项", "choice"),
                "timers" => at.TryGetPropertyOrNull("remind") is not null && at.TryGetPropertyOrNull("after") is null ? ("提醒", "reminder") : ("计时器", "timer"),
                "notify" => ("第 " + (index + 1) + " 条通知", "notification " + (index + 1)),
                "roles" or "assignees" or "guards" or "to" or "freezeWhile" => ("第 " + (index + 1) + " 项", "item " + (index + 1)),
                _ => (list, list),
            };
            var nameZh = shown.Zh ?? key;
            var nameEn = shown.En ?? shown.Zh ?? key;
            zh.Add(list == "stages" || list == "actions" ? (nameZh is null ? $"{what}（第 {index + 1} 个）" : $"{what}“{nameZh}”") : key is null ? what : $"{what}“{key}”");
            en.Insert(0, list == "stages" || list == "actions" ? (nameEn is null ? $"{whatEn} {index + 1}" : $"{whatEn} “{nameEn}”") : key is null ? whatEn : $"{whatEn} {key}");
        }

        return zh.Count == 0 ? ("流程", "the process") : (string.Join("的", zh), "the " + string.Join(" of the ", en));
    }

    private static (string? Zh, string? En) NameOf(JsonElement name) =>
        name.ValueKind != JsonValueKind.Object
            ? (null, null)
            : (Text(name, LocalizedText.DefaultCulture), Text(name, "en"));

    private static string? Text(JsonElement name, string culture) =>
        name.TryGetProperty(culture, out var text) && text.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(text.GetString()) ? text.GetString() : null;

    private static JsonElement? TryGetPropertyOrNull(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : null;

    private static bool Step(ref JsonElement at, object segment)
    {
        switch (segment)
        {
            case int index when at.ValueKind == JsonValueKind.Array && index < at.GetArrayLength():
                at = at[index];
                return true;
            case string name when at.ValueKind == JsonValueKind.Object && at.TryGetProperty(name, out var next):
                at = next;
                return true;
            default:
                return false;
        }
    }

    private static JsonElement? ValueAt(JsonElement document, List<object> segments)
    {
        var at = document;
        return segments.All(s => Step(ref at, s)) ? at : null;
    }

    private static string Quote(JsonElement value)
    {
        var text = value.GetRawText();
        return text.Length > 60 ? text[..57] + "…" : text;
    }

    /// <summary><c>$.stages[4].timers[0].after</c> → ["stages", 4, "timers", 0, "after"].</summary>
    private static List<object> Segments(string path)
    {
        var segments = new List<object>();
        foreach (Match part in PathPart().Matches(path))
        {
            segments.Add(part.Groups["index"].Success ? int.Parse(part.Groups["index"].Value, CultureInfo.InvariantCulture) : part.Groups["name"].Value);
        }

        return segments;
    }

    // The validator names missing properties as a JSON array: Required properties ["remind","before"] are not present.
    private static List<string> Missing(string raw) =>
        raw.IndexOf('[', StringComparison.Ordinal) is var open and >= 0 && raw.IndexOf(']', open) is var close and > 0
            ? JsonSerializer.Deserialize<List<string>>(raw[open..(close + 1)]) ?? []
            : [];

    private static string Capital(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    [GeneratedRegex(@"\.(?<name>[^.\[]+)|\[(?<index>\d+)\]")]
    private static partial Regex PathPart();
}
