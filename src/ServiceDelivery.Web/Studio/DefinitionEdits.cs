using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ServiceDelivery.Web.Studio;

/// <summary>The document after an edit, or why the edit was refused (a <see cref="UiText"/> key and its argument).</summary>
public sealed record EditResult(string? Json, string? Refusal = null, string? Argument = null)
{
    public bool Applied => Json is not null;

    public static EditResult Refused(string refusal, string? argument = null) => new(null, refusal, argument);
}

/// <summary>
/// What the canvas and the inspector do to a definition document, as pure functions from text to text: add,
/// connect, delete and rename with every reference kept, set one property, place a stage. The document stays the
/// single source of truth (the JSON tab shows the same text), and what is semantically wrong afterwards is the
/// validator's to report, not this class's to prevent: only edits that would lose or corrupt data are refused.
/// </summary>
public static partial class DefinitionEdits
{
    private static readonly JsonSerializerOptions Written = new()
    {
        WriteIndented = true,
        IndentSize = 2,
        // Chinese names stay readable in the JSON tab.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static bool IsKey(string? key) => key is not null && KeyPattern().IsMatch(key);

    /// <summary>The first key <c>{prefix}</c>, <c>{prefix}_2</c>, … not yet used in <paramref name="list"/> (stages, actions, or a stage's timers as <c>timers:{stage}</c>).</summary>
    public static string FreeKey(string json, string list, string prefix)
    {
        var root = Parse(json);
        var items = list.StartsWith("timers:", StringComparison.Ordinal)
            ? Keyed(root?["stages"], list["timers:".Length..])?["timers"]
            : root?[list];
        var used = (items as JsonArray ?? []).OfType<JsonObject>().Select(i => Text(i["key"])).ToHashSet(StringComparer.Ordinal);
        var stem = prefix.Length > 58 ? prefix[..58] : prefix;
        return Enumerable.Range(1, 1000).Select(n => n == 1 ? stem : $"{stem}_{n}").First(k => !used.Contains(k));
    }

    /// <summary>
    /// An action drawn from one stage to another at once, as a drag ends: a free key, "到 待验收" / "To Awaiting
    /// acceptance" as its name, performed by the roles the stage assigns (the platform when it assigns none). The
    /// designer renames it in the inspector, where it is selected.
    /// </summary>
    public static (EditResult Result, string Key) DrawAction(string json, string from, string to)
    {
        var root = Parse(json);
        var target = Keyed(root?["stages"], to);
        var source = Keyed(root?["stages"], from);
        var key = FreeKey(json, "actions", IsKey($"{from}_to_{to}") ? $"{from}_to_{to}" : "action");
        var zh = Text(target?["name"]?["zh-CN"]) ?? to;
        var en = Text(target?["name"]?["en"]) ?? zh;
        var roles = (source?["assignees"] as JsonArray ?? []).Select(Text).OfType<string>().ToList();
        return (Connect(json, from, key, to, $"到{zh}", $"To {en}", roles.Count > 0 ? roles : ["platform"]), key);
    }

    /// <summary>A timer on a stage: after three days it performs the stage's first action (the designer sets both).</summary>
    public static (EditResult Result, string Key) AddTimer(string json, string stageKey)
    {
        var key = FreeKey(json, "timers:" + stageKey, "timer");
        return (Edit(json, root =>
        {
            if (Keyed(root["stages"], stageKey) is not { } stage)
            {
                return Refuse("edit.noStage", stageKey);
            }

            var timer = new JsonObject { ["key"] = key, ["after"] = "P3D" };
            if (ListOf(stage, "actions").Select(Text).OfType<string>().FirstOrDefault() is { } first)
            {
                timer["perform"] = first;
            }

            ListOf(stage, "timers").Add(timer);
            return null;
        }), key);
    }

    /// <summary>A reminder one day before the stage's first timer, mailed to the stage's assignees (the buyer when none).</summary>
    public static (EditResult Result, string Key) AddReminder(string json, string stageKey)
    {
        var key = FreeKey(json, "timers:" + stageKey, "reminder");
        return (Edit(json, root =>
        {
            if (Keyed(root["stages"], stageKey) is not { } stage)
            {
                return Refuse("edit.noStage", stageKey);
            }

            if (ListOf(stage, "timers").OfType<JsonObject>().FirstOrDefault(t => t["after"] is not null) is not { } timer)
            {
                return Refuse("edit.noTimer", stageKey);
            }

            var to = (stage["assignees"] as JsonArray ?? []).Select(Text).OfType<string>().ToList();
            ListOf(stage, "timers").Add(new JsonObject
            {
                ["key"] = key,
                ["remind"] = Text(timer["key"]),
                ["before"] = "P1D",
                ["notify"] = new JsonArray(new JsonObject
                {
                    ["to"] = new JsonArray([.. (to.Count > 0 ? to : ["buyer"]).Select(r => (JsonNode)JsonValue.Create(r))]),
                    ["template"] = "acceptance_reminder",
                }),
            });
            return null;
        }), key);
    }

    /// <summary>Deletes a stage's timer, and the reminders of it with it (they would remind of nothing).</summary>
    public static EditResult DeleteTimer(string json, string stageKey, string timerKey) =>
        Edit(json, root =>
        {
            if (Keyed(root["stages"], stageKey) is not { } stage || Keyed(stage["timers"], timerKey) is null)
            {
                return Refuse("edit.noElement", timerKey);
            }

            var timers = ListOf(stage, "timers");
            foreach (var gone in timers.OfType<JsonObject>().Where(t => Text(t["key"]) == timerKey || Text(t["remind"]) == timerKey).ToList())
            {
                timers.Remove(gone);
            }

            if (timers.Count == 0)
            {
                stage.Remove("timers");
            }

            return null;
        });

    /// <summary>A new stage with a zh-CN name (and en when given), offering no action yet.</summary>
    public static EditResult AddStage(string json, string key, string nameZh, string? nameEn, string status = "active") =>
        Edit(json, root =>
        {
            if (!IsKey(key))
            {
                return Refuse("edit.badKey", key);
            }

            if (Keyed(root["stages"], key) is not null)
            {
                return Refuse("edit.stageExists", key);
            }

            ListOf(root, "stages").Add(new JsonObject
            {
                ["key"] = key,
                ["name"] = Names(nameZh, nameEn),
                ["status"] = status,
            });
            return null;
        });

    /// <summary>
    /// Offers an action in <paramref name="from"/>. A new key defines the action (leading to <paramref name="to"/>,
    /// for <paramref name="roles"/>); an existing key is offered as it is, so one action can serve several stages.
    /// </summary>
    public static EditResult Connect(string json, string from, string key, string to, string nameZh, string? nameEn, IReadOnlyList<string> roles) =>
        Edit(json, root =>
        {
            if (!IsKey(key))
            {
                return Refuse("edit.badKey", key);
            }

            if (Keyed(root["stages"], from) is not { } stage)
            {
                return Refuse("edit.noStage", from);
            }

            var offered = ListOf(stage, "actions");
            if (offered.Any(a => Text(a) == key))
            {
                return Refuse("edit.actionOffered", key);
            }

            if (Keyed(root["actions"], key) is null)
            {
                ListOf(root, "actions").Add(new JsonObject
                {
                    ["key"] = key,
                    ["name"] = Names(nameZh, nameEn),
                    ["roles"] = new JsonArray([.. roles.Select(r => (JsonNode)JsonValue.Create(r))]),
                    ["to"] = to,
                });
            }

            offered.Add(key);
            return null;
        });

    /// <summary>
    /// Deletes a stage and what only made sense with it: its position, the actions that lead to it (no longer
    /// offered anywhere) and intervention targets. The initial stage cannot go: the process would have no start.
    /// </summary>
    public static EditResult DeleteStage(string json, string key) =>
        Edit(json, root =>
        {
            if (Keyed(root["stages"], key) is not { } stage)
            {
                return Refuse("edit.noStage", key);
            }

            if (Text(root["initialStage"]) == key)
            {
                return Refuse("edit.initialStage", key);
            }

            ListOf(root, "stages").Remove(stage);
            (root["layout"] as JsonObject)?.Remove(key);
            var leadingThere = ListOf(root, "actions").OfType<JsonObject>().Where(a => Text(a["to"]) == key).ToList();
            foreach (var action in leadingThere)
            {
                RemoveAction(root, Text(action["key"])!);
            }

            foreach (var intervention in (root["interventions"] as JsonObject ?? []).Select(p => p.Value).OfType<JsonObject>())
            {
                if (Text(intervention["to"]) == key)
                {
                    intervention.Remove("to");
                }
            }

            return null;
        });

    /// <summary>
    /// What deleting <paramref name="stageKey"/> takes with it, for the confirmation: the actions leading to it (and the
    /// timers performing them), and interventions whose target it is.
    /// </summary>
    public static IReadOnlyList<(string Kind, string Key)> DeletedWithStage(string json, string stageKey)
    {
        if (Parse(json) is not { } root)
        {
            return [];
        }

        var actions = ListOf(root, "actions").OfType<JsonObject>().Where(a => Text(a["to"]) == stageKey).Select(a => Text(a["key"])!).ToList();
        var timers = ListOf(root, "stages").OfType<JsonObject>()
            .Where(s => Text(s["key"]) != stageKey)
            .SelectMany(s => (s["timers"] as JsonArray ?? []).OfType<JsonObject>().Where(t => actions.Contains(Text(t["perform"]) ?? string.Empty)).Select(t => $"{Text(s["key"])}/{Text(t["key"])}"));
        var interventions = (root["interventions"] as JsonObject ?? []).Where(p => Text((p.Value as JsonObject)?["to"]) == stageKey).Select(p => p.Key);
        return [.. actions.Select(a => ("action", a)), .. timers.Select(t => ("timer", t)), .. interventions.Select(i => ("intervention", i))];
    }

    /// <summary>
    /// Stops offering an action in one stage; when no stage offers it any more, its definition goes too (with the
    /// timers that would perform it).
    /// </summary>
    public static EditResult DeleteAction(string json, string stageKey, string actionKey) =>
        Edit(json, root =>
        {
            if (Keyed(root["stages"], stageKey) is not { } stage || ListOf(stage, "actions").FirstOrDefault(a => Text(a) == actionKey) is not { } offered)
            {
                return Refuse("edit.noAction", actionKey);
            }

            ListOf(stage, "actions").Remove(offered);
            if (!ListOf(root, "stages").OfType<JsonObject>().Any(s => ListOf(s, "actions").Any(a => Text(a) == actionKey)))
            {
                RemoveAction(root, actionKey);
            }

            return null;
        });

    /// <summary>Renames a stage's key everywhere it is referred to: initial stage, action targets, interventions, layout.</summary>
    public static EditResult RenameStage(string json, string from, string to) =>
        Edit(json, root =>
        {
            if (!IsKey(to))
            {
                return Refuse("edit.badKey", to);
            }

            if (Keyed(root["stages"], from) is not { } stage)
            {
                return Refuse("edit.noStage", from);
            }

            if (from != to && Keyed(root["stages"], to) is not null)
            {
                return Refuse("edit.stageExists", to);
            }

            stage["key"] = to;
            if (Text(root["initialStage"]) == from)
            {
                root["initialStage"] = to;
            }

            foreach (var target in ListOf(root, "actions").OfType<JsonObject>().Concat((root["interventions"] as JsonObject ?? []).Select(p => p.Value).OfType<JsonObject>()))
            {
                if (Text(target["to"]) == from)
                {
                    target["to"] = to;
                }
            }

            if (root["layout"] is JsonObject layout && layout[from] is { } position)
            {
                layout.Remove(from);
                layout[to] = position;
            }

            return null;
        });

    /// <summary>Renames an action's key everywhere: the stages offering it and the timers performing it.</summary>
    public static EditResult RenameAction(string json, string from, string to) =>
        Edit(json, root =>
        {
            if (!IsKey(to))
            {
                return Refuse("edit.badKey", to);
            }

            if (Keyed(root["actions"], from) is not { } action)
            {
                return Refuse("edit.noAction", from);
            }

            if (from != to && Keyed(root["actions"], to) is not null)
            {
                return Refuse("edit.actionExists", to);
            }

            action["key"] = to;
            foreach (var stage in ListOf(root, "stages").OfType<JsonObject>())
            {
                var offered = ListOf(stage, "actions");
                for (var i = 0; i < offered.Count; i++)
                {
                    if (Text(offered[i]) == from)
                    {
                        offered[i] = to;
                    }
                }

                foreach (var timer in (stage["timers"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    if (Text(timer["perform"]) == from)
                    {
                        timer["perform"] = to;
                    }
                }
            }

            return null;
        });

    /// <summary>
    /// Sets one property of an element, addressed as <c>stages/{key}/…</c>, <c>actions/{key}/…</c> or a top-level
    /// name, e.g. <c>stages/accepting/timers/auto_accept/after</c> (list items by key, others by index). A null or
    /// empty value removes the property, so optional properties do not linger as empty strings.
    /// </summary>
    public static EditResult Set(string json, string path, JsonNode? value) =>
        Edit(json, root =>
        {
            var segments = path.Split('/');
            JsonNode? parent = root;
            for (var i = 0; i < segments.Length - 1; i++)
            {
                parent = Step(parent, segments[i]);
                if (parent is null)
                {
                    return Refuse("edit.noElement", path);
                }
            }

            var last = segments[^1];
            var empty = value is null || (value is JsonValue v && v.TryGetValue<string>(out var s) && string.IsNullOrWhiteSpace(s)) || (value is JsonArray { Count: 0 });
            switch (parent)
            {
                case JsonObject obj when empty:
                    obj.Remove(last);
                    break;
                case JsonObject obj:
                    obj[last] = value;
                    break;
                case JsonArray array when int.TryParse(last, out var index) && index >= 0 && index < array.Count:
                    array[index] = value;
                    break;
                default:
                    return Refuse("edit.noElement", path);
            }

            return null;
        });

    /// <summary>
    /// Gives an action without a form a new one, keyed after the action, with a first field to rename: an action
    /// drawn on the canvas can ask for input without the JSON box.
    /// </summary>
    public static EditResult AddForm(string json, string actionKey)
    {
        var formKey = FreeKey(json, "forms", actionKey);
        var result = Edit(json, root =>
        {
            if (Keyed(root["actions"], actionKey) is not { } action)
            {
                return Refuse("edit.noElement", "actions/" + actionKey);
            }

            ListOf(root, "forms").Add(new JsonObject { ["key"] = formKey, ["fields"] = new JsonArray() });
            action["form"] = formKey;
            return null;
        });
        return result.Applied ? AddField(result.Json!, formKey) : result;
    }

    /// <summary>Adds a field to a form: the next free key <c>fieldN</c>, a one-line text until the designer says otherwise.</summary>
    public static EditResult AddField(string json, string formKey) =>
        Edit(json, root =>
        {
            if (Keyed(root["forms"], formKey) is not { } form)
            {
                return Refuse("edit.noElement", "forms/" + formKey);
            }

            var fields = ListOf(form, "fields");
            var n = 1;
            while (Keyed(fields, "field" + n) is not null)
            {
                n++;
            }

            fields.Add(new JsonObject
            {
                ["key"] = "field" + n,
                ["name"] = new JsonObject { ["zh-CN"] = "新字段 " + n, ["en"] = "New field " + n },
                ["type"] = "text",
                ["maxLength"] = 200,
                ["singleLine"] = true,
            });
            return null;
        });

    /// <summary>Removes a field from a form.</summary>
    public static EditResult DeleteField(string json, string formKey, string fieldKey) =>
        Edit(json, root => Keyed(root["forms"], formKey)?["fields"] is JsonArray fields && Keyed(fields, fieldKey) is { } field && fields.Remove(field)
            ? null
            : Refuse("edit.noElement", $"forms/{formKey}/fields/{fieldKey}"));

    /// <summary>
    /// Changes a field's type and keeps only the settings the new type takes (a length for text, e-mail and
    /// addresses; values for a choice; a range for a number; one line for text), so the draft stays valid.
    /// </summary>
    public static EditResult SetFieldType(string json, string formKey, string fieldKey, string type) =>
        Edit(json, root =>
        {
            if (Keyed(Keyed(root["forms"], formKey)?["fields"], fieldKey) is not { } field)
            {
                return Refuse("edit.noElement", $"forms/{formKey}/fields/{fieldKey}");
            }

            field["type"] = type;
            if (type is not ("text" or "email" or "url"))
            {
                field.Remove("maxLength");
            }
            else if (type == "text" && field["maxLength"] is null)
            {
                field["maxLength"] = 200;
            }

            if (type != "choice")
            {
                field.Remove("values");
            }
            else if (field["values"] is null)
            {
                field["values"] = new JsonArray(new JsonObject { ["key"] = "option1", ["name"] = new JsonObject { ["zh-CN"] = "选项 1", ["en"] = "Option 1" } });
            }

            if (type != "number")
            {
                field.Remove("min");
                field.Remove("max");
            }

            if (type != "text")
            {
                field.Remove("singleLine");
            }

            return null;
        });

    /// <summary>Replaces one stage or action (as the inspector's JSON box edits it); its key may not change here.</summary>
    public static EditResult Replace(string json, string list, string key, string elementJson) =>
        Edit(json, root =>
        {
            JsonObject? replacement;
            try
            {
                replacement = JsonNode.Parse(elementJson) as JsonObject;
            }
            catch (JsonException)
            {
                replacement = null;
            }

            if (replacement is null)
            {
                return Refuse("edit.notJson");
            }

            if (Text(replacement["key"]) != key)
            {
                return Refuse("edit.keyChanged", key);
            }

            var items = ListOf(root, list);
            if (Keyed(items, key) is not { } current)
            {
                return Refuse("edit.noElement", key);
            }

            items[items.IndexOf(current)] = replacement;
            return null;
        });

    /// <summary>Replaces (or, with empty text, removes) a top-level property such as <c>interventions</c> or <c>onStart</c>.</summary>
    public static EditResult ReplaceProperty(string json, string name, string valueJson) =>
        Edit(json, root =>
        {
            if (name is "key" or "stages" or "actions" or "forms")
            {
                return Refuse("edit.noElement", name);
            }

            if (string.IsNullOrWhiteSpace(valueJson))
            {
                root.Remove(name);
                return null;
            }

            try
            {
                root[name] = JsonNode.Parse(valueJson);
                return null;
            }
            catch (JsonException)
            {
                return Refuse("edit.notJson");
            }
        });

    /// <summary>A top-level property as indented JSON (empty when absent), for the process inspector.</summary>
    public static string Property(string json, string name) =>
        Parse(json)?[name] is { } value ? value.ToJsonString(Written) : string.Empty;

    /// <summary>The keys of a keyed list (<c>forms</c>, <c>stages</c>, <c>actions</c>), in document order.</summary>
    public static IReadOnlyList<string> Keys(string json, string list) =>
        Parse(json) is { } root ? [.. ListOf(root, list).OfType<JsonObject>().Select(i => Text(i["key"])).OfType<string>()] : [];

    /// <summary>Saves where the designer dropped a stage (rounded: positions are for people, not precision).</summary>
    public static EditResult Place(string json, string key, double x, double y) =>
        Edit(json, root =>
        {
            if (Keyed(root["stages"], key) is null)
            {
                return Refuse("edit.noStage", key);
            }

            if (root["layout"] is not JsonObject layout)
            {
                layout = [];
                root["layout"] = layout;
            }

            layout[key] = new JsonObject { ["x"] = Math.Clamp(Math.Round(x), 0, 100000), ["y"] = Math.Clamp(Math.Round(y), 0, 100000) };
            return null;
        });

    /// <summary>
    /// <paramref name="after"/> with every stage of <paramref name="before"/> that an edit would move (the automatic
    /// layout rearranges when stages or actions come and go) pinned where it was drawn: the designer's map holds, new
    /// stages find a free place, and only "auto layout" rearranges everything.
    /// </summary>
    public static string KeepPlaces(string before, string after)
    {
        var was = LayeredLayout.Place(ProcessGraph.Parse(before));
        var graph = ProcessGraph.Parse(after);
        var now = LayeredLayout.Place(graph);
        // A position the edit itself saved (a drag) is the designer's: only automatic ones are held.
        var held = was.Where(p => now.ContainsKey(p.Key) && !graph.Layout.ContainsKey(p.Key)).ToList();
        var fresh = now.Keys.Where(k => !was.ContainsKey(k) && !graph.Layout.ContainsKey(k)).ToList();
        if (!held.Any(p => now[p.Key] != p.Value) && fresh.Count == 0)
        {
            return after;
        }

        // A new stage goes to the first free place under the top row, from the left: in sight, next to nothing.
        var taken = held.Select(p => p.Value).Concat(graph.Layout.Values).ToList();
        var placed = new List<KeyValuePair<string, Position>>(held);
        foreach (var key in fresh)
        {
            var spot = FreeSpots().First(at => !taken.Any(other => LayeredLayout.Overlap(other, at)));
            taken.Add(spot);
            placed.Add(new(key, spot));
        }

        return Edit(after, root =>
        {
            if (root["layout"] is not JsonObject layout)
            {
                layout = [];
                root["layout"] = layout;
            }

            foreach (var (key, at) in placed)
            {
                layout[key] = new JsonObject { ["x"] = Math.Round(at.X), ["y"] = Math.Round(at.Y) };
            }

            return null;
        }).Json ?? after;
    }

    private static IEnumerable<Position> FreeSpots()
    {
        for (var row = 1; ; row++)
        {
            for (var column = 0; column < 12; column++)
            {
                yield return new Position(
                    LayeredLayout.Margin + column * (LayeredLayout.NodeWidth + LayeredLayout.MinColumnGap),
                    LayeredLayout.TopMargin + row * (LayeredLayout.NodeHeight + LayeredLayout.RowGap));
            }
        }
    }

    /// <summary>Forgets every saved position: the automatic layout places all stages again.</summary>
    public static EditResult ForgetLayout(string json) => Edit(json, root => root.Remove("layout") ? null : Refuse("edit.noLayout"));

    /// <summary>One stage or action as indented JSON, for the inspector's JSON box.</summary>
    public static string? Element(string json, string list, string key) =>
        Parse(json) is { } root && Keyed(root[list], key) is { } element ? element.ToJsonString(Written) : null;

    private static EditResult Edit(string json, Func<JsonObject, EditResult?> change)
    {
        if (Parse(json) is not { } root)
        {
            return EditResult.Refused("edit.notJson");
        }

        return change(root) ?? new EditResult(root.ToJsonString(Written));
    }

    private static EditResult Refuse(string refusal, string? argument = null) => EditResult.Refused(refusal, argument);

    /// <summary>The document as a JSON object, or null when the text is not one (a draft may be mid-typing).</summary>
    internal static JsonObject? Parse(string json)
    {
        try
        {
            return JsonNode.Parse(json) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void RemoveAction(JsonObject root, string actionKey)
    {
        if (Keyed(root["actions"], actionKey) is { } definition)
        {
            ListOf(root, "actions").Remove(definition);
        }

        foreach (var stage in ListOf(root, "stages").OfType<JsonObject>())
        {
            foreach (var offered in ListOf(stage, "actions").Where(a => Text(a) == actionKey).ToList())
            {
                ListOf(stage, "actions").Remove(offered);
            }

            if (stage["timers"] is JsonArray timers)
            {
                foreach (var timer in timers.OfType<JsonObject>().Where(t => Text(t["perform"]) == actionKey).ToList())
                {
                    timers.Remove(timer);
                }
            }
        }
    }

    // A list item by key ("accepting"), else by index; an object property by name.
    private static JsonNode? Step(JsonNode? node, string segment) => node switch
    {
        JsonObject obj => obj[segment],
        JsonArray array => Keyed(array, segment) ?? (int.TryParse(segment, out var i) && i >= 0 && i < array.Count ? array[i] : null),
        _ => null,
    };

    private static JsonObject? Keyed(JsonNode? list, string key) =>
        (list as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(item => Text(item["key"]) == key);

    private static JsonArray ListOf(JsonObject owner, string name)
    {
        if (owner[name] is not JsonArray array)
        {
            array = [];
            owner[name] = array;
        }

        return array;
    }

    private static JsonObject Names(string zh, string? en) =>
        string.IsNullOrWhiteSpace(en) ? new JsonObject { ["zh-CN"] = zh.Trim() } : new JsonObject { ["zh-CN"] = zh.Trim(), ["en"] = en.Trim() };

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    [GeneratedRegex("^[a-z][a-z0-9_-]{0,63}$")]
    private static partial Regex KeyPattern();
}
