using System.Globalization;
using ServiceDelivery.Application.Definitions;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Engine.Execution;

namespace ServiceDelivery.Web;

/// <summary>
/// A step's values in words, the same on the delivery center and in the console: a choice's name (the definition's
/// label, e.g. a refund reason), yes/no, an invoice status, a stage's name; anything else as typed.
/// </summary>
public static class LogWords
{
    /// <summary>The field of the form the step was made with (an action's or an intervention's), if the key is one.</summary>
    public static FieldDefinition? Field(ProcessDefinition definition, string action, string key)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return (definition.TryGetAction(action, out var known) ? known.Form
            : definition.Interventions.Values.FirstOrDefault(i => i.LogAction == action)?.Form)?.Field(key);
    }

    public static string FieldName(ProcessDefinition definition, string action, string key)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return Field(definition, action, key)?.Name?.Get(UiText.Culture)
            ?? UiText.TryT("center.data." + key)
            ?? definition.Forms.Select(f => f.Field(key)).FirstOrDefault(f => f?.Name is not null)?.Name!.Get(UiText.Culture) ?? key;
    }

    public static string Value(ProcessDefinition definition, string action, string key, string value, string currency)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(value);
        return (Field(definition, action, key)?.Type, key) switch
        {
            (FieldType.Boolean, _) => UiText.T(value == "true" ? "center.yes" : "center.no"),
            (FieldType.Choice, _) => Choice(definition, action, key, value),
            // What the service adds to a step besides the form: words, not keys.
            (null, "amount") => (decimal.TryParse(value, NumberStyles.Number, CultureInfo.InvariantCulture, out var amount)
                ? amount.ToString("0.00", CultureInfo.InvariantCulture) : value) + " " + currency,
            (null, "mappedFrom") => DisplayNames.Stage(definition, value, UiText.Culture),
            (null, "from" or "to") when action == LogActions.SetInvoiceStatus => Invoice(value),
            (null, "timer") => definition.TryGetTimer(value, out var timer) && timer.Perform is { } perform ? DisplayNames.Action(definition, perform, UiText.Culture) : value,
            (null, "dueAt") when DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var due) => UiText.Local(due),
            _ => DisplayNames.Choice(definition, key, value, UiText.Culture) ?? value,
        };
    }

    /// <summary>A choice in words: the label of the action's own form, else of any form, else the UI's own words, else the key.</summary>
    public static string Choice(ProcessDefinition definition, string action, string key, string value)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return Field(definition, action, key)?.Values.FirstOrDefault(v => v.Key == value)?.Name.Get(UiText.Culture)
            ?? DisplayNames.Choice(definition, key, value, UiText.Culture)
            ?? UiText.TryT("choice." + key + "." + value)
            ?? value;
    }

    /// <summary>An invoice status in words (未开票, 已申请开票, …); an unknown one as it is.</summary>
    public static string Invoice(string status) => UiText.TryT("invoice." + status) ?? status;

    /// <summary>
    /// Why a process log does not verify, in words (docs/evidence.md's reason codes); a code this version does not
    /// know is named with its code, never shown alone.
    /// </summary>
    public static string IntegrityReason(string? reason) =>
        (reason is null ? null : UiText.TryT("integrity.reason." + reason)) ?? UiText.T("integrity.reason.unknown") + (reason is null ? "" : " (" + reason + ")");
}
