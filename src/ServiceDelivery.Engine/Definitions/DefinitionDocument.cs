using System.Text.Json;
using System.Text.Json.Serialization;

namespace ServiceDelivery.Engine.Definitions;

// The JSON document as written by a designer: everything nullable, nothing resolved. The validator reads it
// with JSON paths; the compiler turns a valid one into ProcessDefinition.
#pragma warning disable CA1002, CA2227 // plain serialization shapes: lists and setters are the point

internal sealed class DefinitionDocument
{
    public string? Key { get; set; }
    public int? Version { get; set; }
    public Dictionary<string, string>? Name { get; set; }
    public Dictionary<string, string>? Description { get; set; }
    public string? InitialStage { get; set; }
    public EffectsDocument? OnStart { get; set; }
    public TicketEffectsDocument? OnTicket { get; set; }
    public List<StageDocument>? Stages { get; set; }
    public List<ActionDocument>? Actions { get; set; }
    public List<FormDocument>? Forms { get; set; }
    public Dictionary<string, InterventionDocument>? Interventions { get; set; }

    internal static readonly JsonSerializerOptions SerializerOptions = new(JsonSerializerDefaults.Web)
    {
        // The schema already refused unknown properties; "$schema" is the one extra we allow.
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };
}

internal sealed class StageDocument
{
    public string? Key { get; set; }
    public Dictionary<string, string>? Name { get; set; }
    public string? Status { get; set; }
    public List<string>? Assignees { get; set; }
    public List<string>? Actions { get; set; }
    public List<TimerDocument>? Timers { get; set; }
    public EffectsDocument? OnEnter { get; set; }
}

internal sealed class ActionDocument
{
    public string? Key { get; set; }
    public Dictionary<string, string>? Name { get; set; }
    public List<string>? Roles { get; set; }
    public string? To { get; set; }
    public string? Form { get; set; }
    public List<string>? Guards { get; set; }
    public string? Elsewhere { get; set; }
    public List<NotificationDocument>? Notify { get; set; }
}

internal sealed class FormDocument
{
    public string? Key { get; set; }
    public List<FieldDocument>? Fields { get; set; }
    public AttachmentsDocument? Attachments { get; set; }
}

internal sealed class AttachmentsDocument
{
    public int MaxCount { get; set; }
}

internal sealed class FieldDocument
{
    public string? Key { get; set; }
    public Dictionary<string, string>? Name { get; set; }
    public string? Type { get; set; }
    public bool Required { get; set; }
    public int? MaxLength { get; set; }
    public List<ChoiceDocument>? Values { get; set; }
    public bool Internal { get; set; }
    public decimal? Min { get; set; }
    public decimal? Max { get; set; }
    public bool SingleLine { get; set; }
}

internal sealed class ChoiceDocument
{
    public string? Key { get; set; }
    public Dictionary<string, string>? Name { get; set; }
}

internal sealed class TimerDocument
{
    public string? Key { get; set; }
    public string? After { get; set; }
    public string? Perform { get; set; }
    public string? Remind { get; set; }
    public string? Before { get; set; }
    public List<string>? FreezeWhile { get; set; }
    public List<NotificationDocument>? Notify { get; set; }
}

internal sealed class InterventionDocument
{
    public Dictionary<string, string>? Name { get; set; }
    public string? To { get; set; }
    public string? Form { get; set; }
    public List<NotificationDocument>? Notify { get; set; }
}

internal sealed class TicketEffectsDocument
{
    public EffectsDocument? Opened { get; set; }
    public EffectsDocument? Answered { get; set; }
    public EffectsDocument? Resolved { get; set; }
}

internal sealed class EffectsDocument
{
    public List<NotificationDocument>? Notify { get; set; }
}

internal sealed class NotificationDocument
{
    public List<string>? To { get; set; }
    public string? Template { get; set; }
}
