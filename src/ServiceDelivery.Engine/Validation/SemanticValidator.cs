using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Engine.Execution;

namespace ServiceDelivery.Engine.Validation;

/// <summary>
/// The checks a JSON Schema cannot express: references between parts, duplicate keys, reachability, dead ends,
/// durations, and the engine's catalogs (templates). Runs on a document that already conforms to the schema.
/// </summary>
internal sealed class SemanticValidator
{
    private readonly DefinitionDocument _doc;
    private readonly ISet<string> _templates;
    private readonly List<ValidationError> _errors = [];
    private readonly Dictionary<string, (StageDocument Stage, int Index)> _stages = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (ActionDocument Action, int Index)> _actions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (FormDocument Form, int Index)> _forms = new(StringComparer.Ordinal);

    private SemanticValidator(DefinitionDocument doc, ISet<string> templates)
    {
        _doc = doc;
        _templates = templates;
    }

    public static IReadOnlyList<ValidationError> Validate(DefinitionDocument doc, ISet<string> knownTemplates)
    {
        var validator = new SemanticValidator(doc, knownTemplates);
        validator.Run();
        return validator._errors;
    }

    private void Run()
    {
        RequireChinese("$.name", _doc.Name);
        IndexKeys();
        CheckInitialStage();
        CheckForms();
        CheckActions();
        CheckStages();
        CheckInterventions();
        CheckNotifications("$.onStart.notify", _doc.OnStart?.Notify);
        CheckNotifications("$.onTicket.opened.notify", _doc.OnTicket?.Opened?.Notify);
        CheckNotifications("$.onTicket.answered.notify", _doc.OnTicket?.Answered?.Notify);
        CheckNotifications("$.onTicket.resolved.notify", _doc.OnTicket?.Resolved?.Notify);
        CheckReachability();
    }

    private void IndexKeys()
    {
        var stages = _doc.Stages ?? [];
        for (var i = 0; i < stages.Count; i++)
        {
            var key = stages[i].Key!;
            if (!_stages.TryAdd(key, (stages[i], i)))
            {
                Duplicate($"$.stages[{i}].key", "stage", key);
            }
        }

        var actions = _doc.Actions ?? [];
        for (var i = 0; i < actions.Count; i++)
        {
            var key = actions[i].Key!;
            if (!_actions.TryAdd(key, (actions[i], i)))
            {
                Duplicate($"$.actions[{i}].key", "action", key);
            }
            else if (LogActions.IsReserved(key))
            {
                Add($"$.actions[{i}].key", "reserved_key",
                    $"动作键“{key}”为系统保留（start、set_invoice_status、clock_frozen、clock_resumed、admin_*）",
                    $"action key “{key}” is reserved (start, set_invoice_status, clock_frozen, clock_resumed, admin_*)");
            }
        }

        var forms = _doc.Forms ?? [];
        for (var i = 0; i < forms.Count; i++)
        {
            var key = forms[i].Key!;
            if (!_forms.TryAdd(key, (forms[i], i)))
            {
                Duplicate($"$.forms[{i}].key", "form", key);
            }
        }

        // Timer keys are unique across the whole definition: a delivery holds at most one live timer per key.
        var timers = new HashSet<string>(StringComparer.Ordinal);
        for (var s = 0; s < stages.Count; s++)
        {
            var stageTimers = stages[s].Timers ?? [];
            for (var t = 0; t < stageTimers.Count; t++)
            {
                if (!timers.Add(stageTimers[t].Key!))
                {
                    Duplicate($"$.stages[{s}].timers[{t}].key", "timer", stageTimers[t].Key!);
                }
            }
        }
    }

    private void CheckInitialStage()
    {
        if (!_stages.TryGetValue(_doc.InitialStage!, out var initial))
        {
            Add("$.initialStage", "unknown_initial_stage",
                $"初始阶段“{_doc.InitialStage}”不存在", $"initial stage “{_doc.InitialStage}” is not a stage of this definition");
        }
        else if (initial.Stage.Status != "active")
        {
            Add("$.initialStage", "initial_stage_not_active",
                "初始阶段必须是进行中（active）状态", "the initial stage must have status active");
        }
    }

    private void CheckForms()
    {
        var forms = _doc.Forms ?? [];
        for (var f = 0; f < forms.Count; f++)
        {
            var fields = forms[f].Fields ?? [];
            var keys = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < fields.Count; i++)
            {
                var field = fields[i];
                var path = $"$.forms[{f}].fields[{i}]";
                if (!keys.Add(field.Key!))
                {
                    Duplicate(path + ".key", "field", field.Key!);
                }

                if (field.Key == "attachmentIds")
                {
                    Add(path + ".key", "reserved_key", "字段名 attachmentIds 为附件保留", "field key 'attachmentIds' is reserved for attachments");
                }

                if (field.Name is not null)
                {
                    RequireChinese(path + ".name", field.Name);
                }

                if (field.Type != "choice" && field.Values is not null)
                {
                    Add(path + ".values", "values_on_text_field", "只有选项字段可以设置 values", "only choice fields take values");
                }

                if (field.Type != "number" && (field.Min is not null || field.Max is not null))
                {
                    Add(path, "range_on_non_number", "只有数字字段可以设置 min / max", "only number fields take min and max");
                }
                else if (field.Min > field.Max)
                {
                    Add(path + ".min", "min_above_max", "最小值 min 不能大于最大值 max", "min must not be above max");
                }

                if (field.Type != "text" && field.SingleLine)
                {
                    Add(path + ".singleLine", "single_line_on_non_text", "只有文本字段可以设置 singleLine", "only text fields take singleLine");
                }

                if (field.Type == "text")
                {
                    if (field.MaxLength is null)
                    {
                        Add(path, "missing_max_length", "文本字段必须设置最大长度 maxLength", "a text field needs a maxLength");
                    }
                }
                else if (field.Type == "choice")
                {
                    if (field.Values is null)
                    {
                        Add(path, "missing_values", "选项字段必须列出允许的值 values", "a choice field needs its allowed values");
                    }
                    else
                    {
                        var values = new HashSet<string>(StringComparer.Ordinal);
                        for (var v = 0; v < field.Values.Count; v++)
                        {
                            if (!values.Add(field.Values[v].Key!))
                            {
                                Duplicate($"{path}.values[{v}].key", "value", field.Values[v].Key!);
                            }

                            RequireChinese($"{path}.values[{v}].name", field.Values[v].Name);
                        }
                    }
                }
            }
        }
    }

    private void CheckActions()
    {
        var actions = _doc.Actions ?? [];
        var offered = new HashSet<string>((_doc.Stages ?? []).SelectMany(s => s.Actions ?? []), StringComparer.Ordinal);
        for (var i = 0; i < actions.Count; i++)
        {
            var action = actions[i];
            var path = $"$.actions[{i}]";
            RequireChinese(path + ".name", action.Name);
            if (action.To is not (ActionDefinition.Stay or ActionDefinition.Return) && !_stages.ContainsKey(action.To!))
            {
                Add(path + ".to", "unknown_target_stage",
                    $"动作{ActionZh(action.Key!)}的目标阶段“{action.To}”不存在", $"the target stage “{action.To}” of action {ActionEn(action.Key!)} is not a stage of this definition (nor $stay / $return)");
            }

            CheckFormReference(path + ".form", action.Form);
            CheckNotifications(path + ".notify", action.Notify);
            if (!offered.Contains(action.Key!))
            {
                Add(path, "unused_action", $"没有阶段提供动作{ActionZh(action.Key!)}", $"no stage offers action {ActionEn(action.Key!)}");
            }
        }
    }

    private void CheckStages()
    {
        var stages = _doc.Stages ?? [];
        for (var s = 0; s < stages.Count; s++)
        {
            var stage = stages[s];
            var path = $"$.stages[{s}]";
            RequireChinese(path + ".name", stage.Name);
            var terminal = stage.Status is "completed" or "refunded" or "closed";
            var paused = stage.Status == "paused";
            var actionKeys = stage.Actions ?? [];
            var timers = stage.Timers ?? [];

            if (terminal && (actionKeys.Count > 0 || timers.Count > 0 || (stage.Assignees?.Count ?? 0) > 0))
            {
                Add(path, "terminal_stage_not_empty",
                    $"阶段{StageZh(stage.Key!)}是终止阶段，不能有动作、定时器或待办人", $"stage {StageEn(stage.Key!)} is a final stage: it cannot have actions, timers or assignees");
            }

            for (var a = 0; a < actionKeys.Count; a++)
            {
                if (!_actions.TryGetValue(actionKeys[a], out var action))
                {
                    Add($"{path}.actions[{a}]", "unknown_action", $"阶段{StageZh(stage.Key!)}提供的动作“{actionKeys[a]}”未定义", $"stage {StageEn(stage.Key!)} offers “{actionKeys[a]}”, which is not a defined action");
                    continue;
                }

                if (action.Action.To == ActionDefinition.Return && !paused)
                {
                    Add($"{path}.actions[{a}]", "return_outside_paused_stage",
                        $"动作{ActionZh(actionKeys[a])}返回来源阶段，只能在暂停阶段提供，阶段{StageZh(stage.Key!)}不是暂停阶段", $"action {ActionEn(actionKeys[a])} returns to the stage the delivery came from; only a paused stage can offer it, and stage {StageEn(stage.Key!)} is not paused");
                }

                if (paused && (action.Action.Roles ?? []).Any(r => r != "platform"))
                {
                    Add($"{path}.actions[{a}]", "party_action_in_paused_stage",
                        $"暂停阶段{StageZh(stage.Key!)}只能提供平台的动作，动作{ActionZh(actionKeys[a])}还允许其他角色", $"paused stage {StageEn(stage.Key!)} offers platform actions only; action {ActionEn(actionKeys[a])} allows other roles");
                }
            }

            var assignees = stage.Assignees ?? [];
            for (var r = 0; r < assignees.Count; r++)
            {
                var role = assignees[r];
                var canAct = actionKeys.Any(k => _actions.TryGetValue(k, out var act) && (act.Action.Roles ?? []).Contains(role));
                if (!canAct)
                {
                    Add($"{path}.assignees[{r}]", "assignee_without_action",
                        $"阶段{StageZh(stage.Key!)}给{RoleZh(role)}待办，但{RoleZh(role)}不能执行这个阶段的任何动作", $"stage {StageEn(stage.Key!)} gives the {RoleEn(role)} a task, but the {RoleEn(role)} may perform none of its actions");
                }
            }

            CheckTimers(path, stage, actionKeys, timers);
            CheckNotifications(path + ".onEnter.notify", stage.OnEnter?.Notify);

            if (!terminal && !HasWayOut(stage))
            {
                Add(path, "dead_end", $"阶段{StageZh(stage.Key!)}不是终止阶段，却没有离开它的动作或定时器",
                    $"stage {StageEn(stage.Key!)} is not a final stage, yet no action or timer leaves it");
            }
        }
    }

    private void CheckTimers(string stagePath, StageDocument stage, List<string> actionKeys, List<TimerDocument> timers)
    {
        var afterByKey = new Dictionary<string, TimeSpan?>(StringComparer.Ordinal);
        for (var t = 0; t < timers.Count; t++)
        {
            var timer = timers[t];
            var path = $"{stagePath}.timers[{t}]";
            if (timer.Perform is null)
            {
                continue;
            }

            afterByKey[timer.Key!] = ParseDuration(path + ".after", timer.After);
            if (!actionKeys.Contains(timer.Perform))
            {
                Add(path + ".perform", "timer_action_not_in_stage",
                    $"阶段{StageZh(stage.Key!)}的定时器“{timer.Key}”执行动作{ActionZh(timer.Perform)}，但这个阶段不提供它", $"timer “{timer.Key}” of stage {StageEn(stage.Key!)} performs {ActionEn(timer.Perform)}, which the stage does not offer");
            }
            else if (_actions.TryGetValue(timer.Perform, out var action) && action.Action.Form is { } formKey
                && _forms.TryGetValue(formKey, out var form) && (form.Form.Fields ?? []).Any(f => f.Required))
            {
                Add(path + ".perform", "timer_action_requires_input",
                    $"定时器“{timer.Key}”到时由系统执行动作{ActionZh(timer.Perform)}，但系统填不了它表单里的必填字段", $"timer “{timer.Key}” has the system perform {ActionEn(timer.Perform)}, but the system cannot fill its form's required fields");
            }

            CheckNotifications(path + ".notify", timer.Notify);
        }

        for (var t = 0; t < timers.Count; t++)
        {
            var timer = timers[t];
            var path = $"{stagePath}.timers[{t}]";
            if (timer.Remind is null)
            {
                continue;
            }

            var before = ParseDuration(path + ".before", timer.Before);
            if (!afterByKey.TryGetValue(timer.Remind, out var after))
            {
                Add(path + ".remind", "unknown_timer",
                    $"提醒“{timer.Key}”指向的“{timer.Remind}”不是阶段{StageZh(stage.Key!)}执行动作的定时器", $"reminder “{timer.Key}” points to “{timer.Remind}”, which is not an action timer of stage {StageEn(stage.Key!)}");
            }
            else if (before is { } b && after is { } a && b >= a)
            {
                Add(path + ".before", "reminder_not_before_timer",
                    $"提醒提前量 {timer.Before} 不短于定时器时长", $"the reminder's offset {timer.Before} is not shorter than the timer's duration");
            }

            CheckNotifications(path + ".notify", timer.Notify);
        }
    }

    private void CheckInterventions()
    {
        foreach (var (kindKey, intervention) in _doc.Interventions ?? [])
        {
            var path = $"$.interventions.{kindKey}";
            RequireChinese(path + ".name", intervention.Name);
            CheckFormReference(path + ".form", intervention.Form);
            CheckNotifications(path + ".notify", intervention.Notify);
            var required = kindKey switch
            {
                "close" => "closed",
                "complete" => "completed",
                "refund" => "refunded",
                _ => null,
            };

            if (required is null)
            {
                if (intervention.To is not null)
                {
                    Add(path + ".to", "move_has_target", "move 的目标阶段由操作员选择，不能固定", "move takes its target stage from the operator; it cannot name one");
                }
            }
            else if (intervention.To is null)
            {
                Add(path, "missing_target", $"{kindKey} 必须指定目标阶段", $"{kindKey} needs a target stage");
            }
            else if (!_stages.TryGetValue(intervention.To, out var target))
            {
                Add(path + ".to", "unknown_target_stage", $"目标阶段“{intervention.To}”不存在", $"target stage “{intervention.To}” is not a stage of this definition");
            }
            else if (target.Stage.Status != required)
            {
                Add(path + ".to", "intervention_target_status",
                    $"{kindKey} 的目标阶段必须是 {required} 状态", $"the target stage of {kindKey} must have status {required}");
            }
        }
    }

    private void CheckReachability()
    {
        if (!_stages.TryGetValue(_doc.InitialStage!, out var initial))
        {
            return;
        }

        // Edges: actions offered by a stage, and fixed-target interventions from every non-terminal stage.
        // move is left out on purpose: it reaches everything and would hide mistakes. $return only goes back
        // to a stage already reached.
        var fixedTargets = (_doc.Interventions ?? []).Values.Select(i => i.To).OfType<string>().ToList();
        var reached = new HashSet<string>(StringComparer.Ordinal) { initial.Stage.Key! };
        var queue = new Queue<StageDocument>([initial.Stage]);
        while (queue.Count > 0)
        {
            var stage = queue.Dequeue();
            var targets = (stage.Actions ?? [])
                .Select(k => _actions.TryGetValue(k, out var a) ? a.Action.To : null)
                .Concat(stage.Status is "completed" or "refunded" or "closed" ? [] : fixedTargets);
            foreach (var target in targets)
            {
                if (target is not null && _stages.TryGetValue(target, out var next) && reached.Add(target))
                {
                    queue.Enqueue(next.Stage);
                }
            }
        }

        foreach (var (key, (_, index)) in _stages)
        {
            if (!reached.Contains(key))
            {
                Add($"$.stages[{index}]", "unreachable_stage", $"从起始阶段走不到阶段{StageZh(key)}：没有动作或定时器通向它", $"stage {StageEn(key)} cannot be reached from the initial stage: no action or timer leads to it");
            }
        }
    }

    private bool HasWayOut(StageDocument stage)
    {
        foreach (var key in stage.Actions ?? [])
        {
            if (_actions.TryGetValue(key, out var action) && action.Action.To is { } to && to != ActionDefinition.Stay && to != stage.Key)
            {
                return true;
            }
        }

        return false;
    }

    private void CheckFormReference(string path, string? form)
    {
        if (form is not null && !_forms.ContainsKey(form))
        {
            Add(path, "unknown_form", $"表单“{form}”未定义", $"form “{form}” is not defined");
        }
    }

    private void CheckNotifications(string path, List<NotificationDocument>? rules)
    {
        for (var i = 0; i < (rules?.Count ?? 0); i++)
        {
            var template = rules![i].Template!;
            if (!_templates.Contains(template))
            {
                Add($"{path}[{i}].template", "unknown_template", $"通知模板“{template}”不存在", $"notification template “{template}” is not known to the service");
            }
        }
    }

    private TimeSpan? ParseDuration(string path, string? text)
    {
        if (!IsoDuration.TryParse(text, out var value, out var why))
        {
            var whyZh = why?.StartsWith("years and months", StringComparison.Ordinal) == true ? "年和月的天数不固定，请用天（例如 P30D）" : "写法不对";
            Add(path, "invalid_duration", $"时长“{text}”无效：{whyZh}。{SchemaWords.DurationShape.Get("zh-CN")}", $"duration “{text}” is invalid: {why}. {SchemaWords.DurationShape.Get("en")}");
            return null;
        }

        if (value <= TimeSpan.Zero)
        {
            Add(path, "non_positive_duration", $"时长“{text}”必须大于零", $"duration “{text}” must be positive");
            return null;
        }

        return value;
    }

    private void RequireChinese(string path, Dictionary<string, string>? text)
    {
        if (text is null || !text.TryGetValue(LocalizedText.DefaultCulture, out var zh) || string.IsNullOrWhiteSpace(zh))
        {
            Add(path, "missing_zh_cn", "缺少中文（zh-CN）名称", "the zh-CN text is missing");
        }
    }

    private void Duplicate(string path, string what, string key)
    {
        var zhWhat = what switch
        {
            "stage" => "阶段",
            "action" => "动作",
            "form" => "表单",
            "timer" => "定时器",
            "field" => "字段",
            _ => "选项值",
        };
        Add(path, "duplicate_key", $"重复的{zhWhat}键“{key}”", $"duplicate {what} key “{key}”");
    }

    // Elements named the way the designer sees them on the canvas, the key after: 阶段“待复核”（reviewing）.
    private string StageZh(string key) => Named(_stages.TryGetValue(key, out var s) ? s.Stage.Name : null, key, "zh-CN");

    private string StageEn(string key) => Named(_stages.TryGetValue(key, out var s) ? s.Stage.Name : null, key, "en");

    private string ActionZh(string key) => Named(_actions.TryGetValue(key, out var a) ? a.Action.Name : null, key, "zh-CN");

    private string ActionEn(string key) => Named(_actions.TryGetValue(key, out var a) ? a.Action.Name : null, key, "en");

    private static string Named(Dictionary<string, string>? name, string key, string culture)
    {
        var text = name?.GetValueOrDefault(culture) ?? name?.GetValueOrDefault(LocalizedText.DefaultCulture);
        return string.IsNullOrWhiteSpace(text) ? $"“{key}”" : culture == "en" ? $"“{text}” ({key})" : $"“{text}”（{key}）";
    }

    private static string RoleZh(string role) => role switch { "buyer" => "买家", "provider" => "服务商", "platform" => "平台", _ => $"“{role}”" };

    private static string RoleEn(string role) => role switch { "buyer" or "provider" or "platform" => role, _ => $"“{role}”" };

    private void Add(string path, string code, string zh, string en) =>
        _errors.Add(new ValidationError(path, code, LocalizedText.Of(zh, en)));
}
