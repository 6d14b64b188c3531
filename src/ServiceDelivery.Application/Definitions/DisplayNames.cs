using ServiceDelivery.Engine.Definitions;

namespace ServiceDelivery.Application.Definitions;

/// <summary>Display names of what appears in logs, inboxes and mails, in zh-CN or en.</summary>
public static class DisplayNames
{
    private static readonly Dictionary<string, LocalizedText> Own = new(StringComparer.Ordinal)
    {
        [Engine.Execution.LogActions.Start] = LocalizedText.Of("交付开始", "Delivery started"),
        [Engine.Execution.LogActions.SetInvoiceStatus] = LocalizedText.Of("发票状态更新", "Invoice status updated"),
        [Engine.Execution.LogActions.Migrate] = LocalizedText.Of("迁移到新的流程版本", "Migrated to a new process version"),
        ["resolve_ticket"] = LocalizedText.Of("处理工单", "Resolve ticket"),
        [Engine.Execution.WorkflowEngine.ClockFrozen] = LocalizedText.Of("验收计时暂停（验收争议处理中）", "Acceptance clock stopped (dispute open)"),
        [Engine.Execution.WorkflowEngine.ClockResumed] = LocalizedText.Of("验收计时恢复", "Acceptance clock resumed"),
    };

    private static readonly Dictionary<string, LocalizedText> TicketWords = new(StringComparer.Ordinal)
    {
        ["refund_after_confirmation"] = LocalizedText.Of("确认后退款", "Refund after confirmation"),
        ["acceptance_dispute"] = LocalizedText.Of("验收争议", "Acceptance dispute"),
        ["other"] = LocalizedText.Of("其他", "Other"),
        ["no_change"] = LocalizedText.Of("维持现状", "No change"),
        ["refund"] = LocalizedText.Of("退款", "Refund"),
        ["force_complete"] = LocalizedText.Of("强制完成", "Force complete"),
        ["close_delivery"] = LocalizedText.Of("关闭交付", "Close delivery"),
    };

    /// <summary>An action of the definition, an intervention, or one of the service's own steps.</summary>
    public static string Action(ProcessDefinition definition, string action, string culture)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (definition.TryGetAction(action, out var known))
        {
            return known.Name.Get(culture);
        }

        var intervention = definition.Interventions.Values.FirstOrDefault(i => i.LogAction == action);
        return intervention?.Name.Get(culture) ?? (Own.TryGetValue(action, out var own) ? own.Get(culture) : action);
    }

    public static string Stage(ProcessDefinition definition, string stage, string culture)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return definition.TryGetStage(stage, out var known) ? known.Name.Get(culture) : stage;
    }

    /// <summary>A ticket category or outcome.</summary>
    public static string Ticket(string? word, string culture) =>
        word is not null && TicketWords.TryGetValue(word, out var text) ? text.Get(culture) : word ?? string.Empty;

    /// <summary>The display name of a choice value (e.g. a refund reason) in any form of the definition.</summary>
    public static string? Choice(ProcessDefinition definition, string field, string value, string culture)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return definition.Forms.Select(f => f.Field(field)).OfType<FieldDefinition>()
            .SelectMany(f => f.Values).FirstOrDefault(v => v.Key == value)?.Name.Get(culture);
    }
}
