using System.Collections.Frozen;
using System.Collections.Immutable;

namespace ServiceDelivery.Engine.Definitions;

/// <summary>
/// A validated, compiled process definition: the state chart the engine runs. Immutable and shared by all
/// deliveries on the same key and version. Build it with <see cref="ProcessDefinitionLoader"/>.
/// </summary>
public sealed class ProcessDefinition
{
    private readonly FrozenDictionary<string, StageDefinition> _stages;
    private readonly FrozenDictionary<string, ActionDefinition> _actions;
    private readonly FrozenDictionary<string, TimerDefinition> _timers;

    internal ProcessDefinition(
        string key,
        int version,
        LocalizedText name,
        LocalizedText? description,
        ImmutableArray<StageDefinition> stages,
        ImmutableArray<ActionDefinition> actions,
        ImmutableArray<FormDefinition> forms,
        FrozenDictionary<InterventionKind, InterventionDefinition> interventions,
        string initialStage,
        ImmutableArray<NotificationRule> onStart)
    {
        Key = key;
        Version = version;
        Name = name;
        Description = description;
        Stages = stages;
        Actions = actions;
        Forms = forms;
        Interventions = interventions;
        OnStart = onStart;
        _stages = stages.ToFrozenDictionary(s => s.Key, StringComparer.Ordinal);
        _actions = actions.ToFrozenDictionary(a => a.Key, StringComparer.Ordinal);
        _timers = stages.SelectMany(s => s.Timers).ToFrozenDictionary(t => t.Key, StringComparer.Ordinal);
        InitialStage = _stages[initialStage];
    }

    /// <summary>Stable key deliveries refer to, e.g. <c>manual-service-delivery</c>.</summary>
    public string Key { get; }

    /// <summary>Version of the document (1 when the document does not say).</summary>
    public int Version { get; }

    /// <summary>Display name.</summary>
    public LocalizedText Name { get; }

    /// <summary>Optional description.</summary>
    public LocalizedText? Description { get; }

    /// <summary>Stages in document order.</summary>
    public ImmutableArray<StageDefinition> Stages { get; }

    /// <summary>Actions in document order.</summary>
    public ImmutableArray<ActionDefinition> Actions { get; }

    /// <summary>Forms in document order.</summary>
    public ImmutableArray<FormDefinition> Forms { get; }

    /// <summary>Platform interventions the definition offers, by kind.</summary>
    public FrozenDictionary<InterventionKind, InterventionDefinition> Interventions { get; }

    /// <summary>The stage a new delivery starts in.</summary>
    public StageDefinition InitialStage { get; }

    /// <summary>Notifications when a delivery starts.</summary>
    public ImmutableArray<NotificationRule> OnStart { get; }

    /// <summary>Notifications when a ticket is opened on a delivery (the opener is left out at runtime).</summary>
    public ImmutableArray<NotificationRule> OnTicketOpened { get; init; } = [];

    /// <summary>Notifications when a ticket gets a message (the author is left out at runtime).</summary>
    public ImmutableArray<NotificationRule> OnTicketAnswered { get; init; } = [];

    /// <summary>Notifications when a ticket is resolved.</summary>
    public ImmutableArray<NotificationRule> OnTicketResolved { get; init; } = [];

    /// <summary>The stage with this key; throws when there is none.</summary>
    public StageDefinition Stage(string key) =>
        _stages.TryGetValue(key, out var stage) ? stage : throw new KeyNotFoundException($"Stage '{key}' is not in definition {Key} v{Version}.");

    /// <summary>Looks up a stage.</summary>
    public bool TryGetStage(string key, out StageDefinition stage) => _stages.TryGetValue(key, out stage!);

    /// <summary>Looks up an action.</summary>
    public bool TryGetAction(string key, out ActionDefinition action) => _actions.TryGetValue(key, out action!);

    /// <summary>Looks up a timer (timer keys are unique across the definition).</summary>
    public bool TryGetTimer(string key, out TimerDefinition timer) => _timers.TryGetValue(key, out timer!);

    /// <inheritdoc />
    public override string ToString() => $"{Key} v{Version}";
}
