using System.Globalization;

namespace ServiceDelivery.Web;

/// <summary>
/// Every text the pages show, in zh-CN (default) and en; the language is the request culture (a cookie set by
/// the language switch). One table so a missing translation is visible in one place.
/// </summary>
public static class UiText
{
    public const string CultureCookie = "sd-culture";

    private static readonly Dictionary<string, (string ZhCn, string En)> Table = new(StringComparer.Ordinal)
    {
        ["app.title"] = ("云市场服务交付", "ServiceDelivery"),
        ["studio.title"] = ("流程设计室", "Studio"),
        ["studio.definitions"] = ("流程定义", "Process definitions"),
        ["studio.key"] = ("标识", "Key"),
        ["studio.name"] = ("名称", "Name"),
        ["studio.published"] = ("已发布版本", "Published version"),
        ["studio.draft"] = ("草稿", "Draft"),
        ["studio.none"] = ("无", "none"),
        ["studio.hasDraft"] = ("有草稿", "has a draft"),
        ["studio.open"] = ("打开", "Open"),
        ["studio.canvas"] = ("画布", "Canvas"),
        ["studio.json"] = ("JSON", "JSON"),
        ["studio.problems"] = ("问题", "Problems"),
        ["studio.versions"] = ("版本", "Versions"),
        ["studio.noProblems"] = ("没有问题：可以发布。", "No problems: ready to publish."),
        ["studio.showing"] = ("显示", "Showing"),
        ["studio.showingDraft"] = ("草稿", "the draft"),
        ["studio.showingVersion"] = ("已发布 v{0}", "published v{0}"),
        ["studio.stages"] = ("{0} 个阶段，{1} 个动作", "{0} stages, {1} actions"),
        ["studio.zoomIn"] = ("放大", "Zoom in"),
        ["studio.zoomOut"] = ("缩小", "Zoom out"),
        ["studio.fit"] = ("适应窗口", "Fit"),
        ["studio.publishedBy"] = ("发布人", "Published by"),
        ["studio.publishedAt"] = ("发布时间", "Published at"),
        ["studio.version"] = ("版本", "Version"),
        ["studio.notFound"] = ("没有这个流程定义。", "No such process definition."),
        ["studio.newDraft"] = ("以 v{0} 新建草稿", "New draft from v{0}"),
        ["studio.unsaved"] = ("有未保存的修改", "Unsaved changes"),
        ["studio.saved"] = ("草稿已保存（第 {0} 次）", "Draft saved (revision {0})"),
        ["studio.save"] = ("保存草稿", "Save draft"),
        ["studio.note"] = ("变更说明", "Change note"),
        ["studio.publish"] = ("发布", "Publish"),
        ["studio.publishedVersion"] = ("已发布 v{0}", "Published v{0}"),
        ["studio.conflict"] = ("另一位设计师在你打开之后保存了这个草稿。你的修改还在编辑器里，尚未保存。", "Another designer saved this draft after you opened it. Your changes are still in the editor, not saved."),
        ["studio.conflictReload"] = ("加载对方的版本（放弃我的修改）", "Load theirs (discard mine)"),
        ["studio.conflictOverwrite"] = ("用我的修改覆盖", "Overwrite with mine"),
        ["studio.compare"] = ("对比", "Compare"),
        ["studio.compareFrom"] = ("从", "From"),
        ["studio.compareTo"] = ("到", "To"),
        ["studio.changeCount"] = ("{0} 处变化", "{0} changes"),
        ["studio.noChanges"] = ("两个版本没有差别。", "The two versions are the same."),
        ["diff.added"] = ("新增", "added"),
        ["diff.removed"] = ("删除", "removed"),
        ["diff.changed"] = ("修改", "changed"),
        ["element.process"] = ("流程", "process"),
        ["element.stage"] = ("阶段", "stage"),
        ["element.action"] = ("动作", "action"),
        ["element.timer"] = ("时限", "timer"),
        ["element.form"] = ("表单", "form"),
        ["element.intervention"] = ("平台干预", "intervention"),
        ["studio.simulate"] = ("模拟", "Simulate"),
        ["sim.invalid"] = ("先解决“问题”面板里的问题，才能模拟。", "Fix the problems first: only a valid definition can be simulated."),
        ["sim.now"] = ("虚拟时间", "Virtual time"),
        ["sim.plus"] = ("+{0}", "+{0}"),
        ["sim.nextTimer"] = ("到下一个时限", "To the next timer"),
        ["sim.openDispute"] = ("发起验收争议", "Open a dispute"),
        ["sim.resolveDispute"] = ("解决争议", "Resolve the dispute"),
        ["sim.restart"] = ("重新开始", "Restart"),
        ["sim.nothingToDo"] = ("现在没有可做的动作", "Nothing to do now"),
        ["sim.submit"] = ("提交", "Submit"),
        ["sim.timers"] = ("时限", "Timers"),
        ["sim.noTimers"] = ("没有运行中的时限", "No running timers"),
        ["sim.dueIn"] = ("剩余 {0}", "due in {0}"),
        ["sim.frozen"] = ("已冻结（剩余 {0}）", "frozen ({0} left)"),
        ["sim.steps"] = ("流程日志", "Process log"),
        ["sim.reminder"] = ("提醒", "reminder"),
        ["sim.mail"] = ("邮件：", "Mail:"),
        ["sim.log.start"] = ("交付开始", "Delivery started"),
        ["sim.log.clock_frozen"] = ("时限冻结", "Clock frozen"),
        ["sim.log.clock_resumed"] = ("时限恢复", "Clock resumed"),
        ["sim.error.required"] = ("必填", "required"),
        ["sim.error.tooLong"] = ("不能超过 {0} 字", "at most {0} characters"),
        ["sim.error.notAllowed"] = ("不是可选的值", "not one of the choices"),
        ["studio.back"] = ("返回原阶段", "back to previous stage"),
        ["studio.stay"] = ("停留", "stays"),
        ["status.active"] = ("进行中", "active"),
        ["status.paused"] = ("暂停", "paused"),
        ["status.completed"] = ("已完成", "completed"),
        ["status.refunded"] = ("已退款", "refunded"),
        ["status.closed"] = ("已关闭", "closed"),
        ["role.buyer"] = ("买家", "buyer"),
        ["role.provider"] = ("服务商", "provider"),
        ["role.platform"] = ("平台", "platform"),
        ["role.designer"] = ("流程设计师", "designer"),
        ["role.marketplace"] = ("云市场", "marketplace"),
        ["role.system"] = ("系统", "system"),
        ["signin.title"] = ("登录（开发环境）", "Sign in (development)"),
        ["signin.hint"] = ("开发环境：选择一个演示身份，或填写自定义身份。生产环境通过身份提供方（OpenID Connect）登录。", "Development: pick a demo identity or enter your own. In production you sign in with the identity provider (OpenID Connect)."),
        ["signin.titleProduction"] = ("登录", "Sign in"),
        ["signin.identityProvider"] = ("通过统一身份认证登录", "Sign in with your organisation"),
        ["signin.identityProviderHint"] = ("使用贵组织的账号登录（OpenID Connect）。", "Use your organisation's account (OpenID Connect)."),
        ["signin.noIdentityProvider"] = ("尚未配置身份提供方：请设置 Auth__Authority 和 Auth__ClientId。", "No identity provider is configured: set Auth__Authority and Auth__ClientId."),
        ["signin.failed"] = ("登录没有完成（身份提供方拒绝了登录，或登录已过期）。请重试；如果一直失败，请联系管理员。", "The sign-in did not complete (the identity provider refused it, or it expired). Try again; if it keeps failing, contact your administrator."),
        ["signin.as"] = ("以此身份登录", "Sign in"),
        ["signin.custom"] = ("自定义身份", "Custom identity"),
        ["signin.sub"] = ("用户标识 (sub)", "User id (sub)"),
        ["signin.displayName"] = ("显示名", "Display name"),
        ["signin.roles"] = ("角色（逗号分隔）", "Roles (comma separated)"),
        ["signin.providerId"] = ("服务商标识（服务商角色必填）", "Provider id (for the provider role)"),
        ["signout"] = ("退出", "Sign out"),
        ["forbidden.title"] = ("无权访问", "Access denied"),
        ["forbidden.body"] = ("“{0}”的角色（{1}）不能使用此页面。流程设计室需要流程设计师或平台角色。", "{0}'s roles ({1}) may not use this page. The Studio needs the designer or platform role."),
        ["forbidden.switch"] = ("换一个身份登录", "Sign in as someone else"),
        ["duration.days"] = ("{0} 天", "{0} days"),
        ["duration.hours"] = ("{0} 小时", "{0} hours"),
        ["duration.minutes"] = ("{0} 分钟", "{0} minutes"),
        ["timer.before"] = ("提前 {0} 提醒", "reminder {0} before"),
        ["sim.saveScenario"] = ("保存为场景", "Save as scenario"),
        ["sim.scenarioName"] = ("场景名称", "Scenario name"),
        ["sim.expectedEnd"] = ("预期结束阶段：{0}（{1} 步）", "Expected to end in: {0} ({1} steps)"),
        ["sim.scenarios"] = ("已保存的场景（每次发布都会重新运行）", "Saved scenarios (re-run on every publish)"),
        ["sim.noScenarios"] = ("还没有保存的场景。走一遍流程，然后保存为场景。", "No saved scenarios yet: walk a path, then save it."),
        ["sim.scenarioPasses"] = ("通过", "passes"),
        ["sim.scenarioFails"] = ("未通过：结束于 {0}", "fails: ends in {0}"),
        ["sim.scenarioRefused"] = ("未通过：第 {0} 步被拒绝（结束于 {1}）", "fails: step {0} refused (ends in {1})"),
        ["sim.scenarioSaved"] = ("场景“{0}”已保存", "Scenario “{0}” saved"),
        ["sim.scenarioReplay"] = ("在当前草稿上运行", "on the current document"),
        ["studio.publishRefused"] = ("不能发布：{0}", "Cannot publish: {0}"),
        ["studio.migrate"] = ("迁移", "Migrate"),
        ["studio.scenarioFailed"] = ("不能发布：保存的场景 {0} 在这个草稿上没有结束于预期阶段（见“模拟”页）。", "Cannot publish: the saved scenario(s) {0} no longer end in their expected stage on this draft (see Simulate)."),
        ["migrate.onlyOne"] = ("只有一个已发布版本：发布新版本后，才能把运行中的交付迁移过去。", "There is only one published version: publish a new one to migrate running deliveries to it."),
        ["migrate.from"] = ("把运行在", "Move the running deliveries of"),
        ["migrate.newest"] = ("（最新版本）上的交付迁移过去", "(the newest version)"),
        ["migrate.stage"] = ("当前阶段", "Current stage"),
        ["migrate.running"] = ("运行中的交付", "Running deliveries"),
        ["migrate.inTarget"] = ("在新版本中", "In the new version"),
        ["migrate.kept"] = ("保留：阶段不变，时限按新版本", "kept: same stage, clocks as in the new version"),
        ["migrate.gone"] = ("新版本已删除此阶段，迁到：", "dropped by the new version; move to:"),
        ["migrate.mapTo"] = ("选择阶段…", "choose a stage…"),
        ["migrate.total"] = ("共 {0} 个运行中的交付将从 v{1} 迁移到 v{2}；已结束的交付不变。", "{0} running deliveries will move from v{1} to v{2}; finished ones stay."),
        ["migrate.nothing"] = ("v{0} 上没有运行中的交付。", "No delivery is running on v{0}."),
        ["migrate.platformOnly"] = ("迁移运行中的交付是平台运营的操作：请平台运营人员执行。", "Migrating running deliveries is an operator's action: ask the platform operators."),
        ["migrate.reason"] = ("迁移原因（写入每个交付的流程日志）", "Reason (written to each delivery's process log)"),
        ["migrate.confirm"] = ("输入流程标识 {0} 以确认", "Type the definition key {0} to confirm"),
        ["migrate.start"] = ("迁移 {0} 个交付", "Migrate {0} deliveries"),
        ["migrate.batches"] = ("迁移批次", "Migration batches"),
        ["migrate.progress"] = ("进行中：{0} / {1}", "Running: {0} of {1}"),
        ["migrate.finished"] = ("已完成：迁移 {0} 个，失败 {1} 个", "Finished: {0} migrated, {1} failed"),
        ["migrate.lastError"] = ("最近一次失败：{0}", "Last failure: {0}"),
        ["migrate.error.required"] = ("请选择迁到哪个阶段。", "Choose the stage to move to."),
        ["migrate.error.invalid_stage"] = ("不是新版本中的阶段。", "Not a stage of the new version."),
        ["migrate.error.confirmation_mismatch"] = ("输入的标识不一致。", "The key typed does not match."),
        ["migrate.error.out_of_range"] = ("只能迁移到更新的版本。", "Only to a newer version."),
        ["migrate.error.too_long"] = ("太长了。", "Too long."),
        ["studio.running"] = ("运行中的交付", "Running deliveries"),
        ["studio.connectHint"] = ("拖到另一个阶段：添加动作", "Drag to another stage to add an action"),
        ["studio.jsonDiff"] = ("JSON 差异（+{0} 行，−{1} 行）", "JSON diff (+{0} lines, −{1} lines)"),
        ["studio.undo"] = ("撤销 (Ctrl+Z)", "Undo (Ctrl+Z)"),
        ["studio.redo"] = ("重做 (Ctrl+Y)", "Redo (Ctrl+Y)"),
        ["studio.autoLayout"] = ("自动布局", "Auto layout"),
        ["studio.autosaved"] = ("已自动保存（第 {0} 次）", "Autosaved (revision {0})"),
        ["studio.dragHint"] = ("拖动阶段可调整位置；从阶段右侧的圆点拖到另一个阶段可添加动作；点击阶段或动作在右侧编辑。", "Drag a stage to move it; drag from a stage's dot to another stage to add an action; click a stage or an action to edit it on the right."),
        ["inspector.process"] = ("流程", "Process"),
        ["inspector.initialStage"] = ("起始阶段", "Initial stage"),
        ["inspector.forms"] = ("表单（字段、类型、长度、必填、内部、可选值）", "Forms (fields, type, length, required, internal, choices)"),
        ["inspector.processEffects"] = ("描述、开始时与工单的通知、平台干预", "Description, notifications on start and tickets, interventions"),
        ["inspector.addStage"] = ("添加阶段", "Add a stage"),
        ["inspector.key"] = ("标识（英文小写）", "Key (lower case)"),
        ["inspector.nameZh"] = ("中文名称", "Name (zh-CN)"),
        ["inspector.nameEn"] = ("英文名称", "Name (en)"),
        ["inspector.status"] = ("状态", "Status"),
        ["inspector.assignees"] = ("待办处理人", "Assignees"),
        ["inspector.timers"] = ("时限", "Timers"),
        ["inspector.after"] = ("期限（ISO 8601，如 P15D）", "After (ISO 8601, e.g. P15D)"),
        ["inspector.before"] = ("提前（ISO 8601，如 P3D）", "Before (ISO 8601, e.g. P3D)"),
        ["inspector.perform"] = ("到期执行", "Then performs"),
        ["inspector.offered"] = ("可执行的动作", "Actions offered"),
        ["inspector.noActions"] = ("没有动作：这是终点阶段。", "No actions: this is an end stage."),
        ["inspector.connect"] = ("添加动作", "Add an action"),
        ["inspector.to"] = ("目标阶段", "Leads to"),
        ["inspector.roles"] = ("执行角色", "Performed by"),
        ["inspector.form"] = ("表单", "Form"),
        ["inspector.noForm"] = ("（无表单）", "(no form)"),
        ["inspector.guards"] = ("条件（逗号分隔）", "Guards (comma separated)"),
        ["inspector.add"] = ("添加", "Add"),
        ["inspector.delete"] = ("删除", "Delete"),
        ["inspector.deleteConfirm"] = ("删除阶段“{0}”？以下引用它的内容会一并删除（可以撤销）：", "Delete the stage “{0}”? What refers to it goes too (undo brings it back):"),
        ["inspector.cancel"] = ("取消", "Cancel"),
        ["inspector.deleteStage"] = ("删除此阶段", "Delete this stage"),
        ["inspector.removeAction"] = ("不再在「{0}」提供", "Stop offering in “{0}”"),
        ["inspector.allProperties"] = ("全部属性（JSON）", "All properties (JSON)"),
        ["inspector.apply"] = ("应用", "Apply"),
        ["inspector.action"] = ("动作", "Action"),
        ["inspector.stage"] = ("阶段", "Stage"),
        ["inspector.offeredIn"] = ("在这些阶段提供：{0}", "Offered in: {0}"),
        ["inspector.readOnly"] = ("这是已发布的版本，只读。要修改，请新建草稿。", "A published version is read-only: start a draft to change it."),
        ["inspector.nothing"] = ("在画布上点击一个阶段或动作来查看和编辑它。", "Click a stage or an action on the canvas to see and edit it."),
        ["edit.badKey"] = ("“{0}”不是合法的标识：小写字母开头，只含小写字母、数字、_ 和 -。", "“{0}” is not a valid key: a lower-case letter, then lower-case letters, digits, _ or -."),
        ["edit.stageExists"] = ("已有标识为“{0}”的阶段。", "A stage “{0}” already exists."),
        ["edit.actionExists"] = ("已有标识为“{0}”的动作。", "An action “{0}” already exists."),
        ["edit.actionOffered"] = ("这个阶段已经提供动作“{0}”。", "This stage already offers “{0}”."),
        ["edit.noStage"] = ("没有阶段“{0}”。", "There is no stage “{0}”."),
        ["edit.noAction"] = ("没有动作“{0}”。", "There is no action “{0}”."),
        ["edit.noElement"] = ("找不到“{0}”。", "“{0}” was not found."),
        ["edit.initialStage"] = ("“{0}”是起始阶段，不能删除；先把另一个阶段设为起始阶段。", "“{0}” is the initial stage and cannot be deleted; make another stage the initial one first."),
        ["edit.notJson"] = ("文档不是合法的 JSON，先在 JSON 页修正。", "The document is not valid JSON; fix it in the JSON tab first."),
        ["edit.keyChanged"] = ("这里不能修改标识（应为“{0}”）；请用上方的标识输入框重命名。", "The key cannot change here (it is “{0}”); rename it with the key field above."),
        ["edit.noLayout"] = ("已经是自动布局。", "The layout is already automatic."),
    };

    /// <summary>True when the current UI culture is English.</summary>
    public static bool IsEnglish => CultureInfo.CurrentUICulture.Name.StartsWith("en", StringComparison.OrdinalIgnoreCase);

    public static string Culture => IsEnglish ? "en" : "zh-CN";

    public static string T(string key, params object[] args)
    {
        var (zh, en) = Table.TryGetValue(key, out var texts) ? texts : (key, key);
        var text = IsEnglish ? en : zh;
        return args.Length == 0 ? text : string.Format(CultureInfo.CurrentCulture, text, args);
    }

    /// <summary>An ISO-8601 duration in words: P15D → "15 天", PT12H → "12 小时".</summary>
    public static string Duration(string? iso)
    {
        if (!ServiceDelivery.Engine.Definitions.IsoDuration.TryParse(iso, out var span, out _) || span <= TimeSpan.Zero)
        {
            return iso ?? string.Empty;
        }

        var parts = new List<string>();
        if (span.Days > 0)
        {
            parts.Add(T("duration.days", span.Days));
        }

        if (span.Hours > 0)
        {
            parts.Add(T("duration.hours", span.Hours));
        }

        if (span.Minutes > 0)
        {
            parts.Add(T("duration.minutes", span.Minutes));
        }

        return string.Join(' ', parts);
    }
}
