using System.Collections.Immutable;

namespace ServiceDelivery.Engine.Definitions;

/// <summary>A stage of the process (交付状态).</summary>
public sealed class StageDefinition
{
    private ImmutableArray<ActionDefinition>[] _actionsByRole = [];
    private ImmutableArray<string>[] _actionKeysByRole = [];

    internal StageDefinition(string key, LocalizedText name, StageStatus status, ImmutableArray<ActorRole> assignees, ImmutableArray<NotificationRule> onEnter)
    {
        Key = key;
        Name = name;
        Status = status;
        Assignees = assignees;
        OnEnter = onEnter;
    }

    /// <summary>Stage key, e.g. <c>accepting</c>.</summary>
    public string Key { get; }

    /// <summary>Display name, e.g. 待验收.</summary>
    public LocalizedText Name { get; }

    /// <summary>The delivery status while in this stage.</summary>
    public StageStatus Status { get; }

    /// <summary>True when nothing more can happen.</summary>
    public bool IsTerminal => Status.IsTerminal();

    /// <summary>True when the parties cannot act and clocks are frozen.</summary>
    public bool IsPaused => Status == StageStatus.Paused;

    /// <summary>Roles that get an open task in this stage.</summary>
    public ImmutableArray<ActorRole> Assignees { get; }

    /// <summary>Actions offered in this stage.</summary>
    public ImmutableArray<ActionDefinition> Actions { get; private set; } = [];

    /// <summary>Timers started on entry.</summary>
    public ImmutableArray<TimerDefinition> Timers { get; private set; } = [];

    /// <summary>Notifications on every entry into the stage.</summary>
    public ImmutableArray<NotificationRule> OnEnter { get; }

    /// <summary>True when the stage offers the action.</summary>
    public bool Offers(string actionKey)
    {
        foreach (var action in Actions)
        {
            if (action.Key == actionKey)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The actions a role may perform in this stage (precomputed; empty in terminal stages).</summary>
    public ImmutableArray<ActionDefinition> ActionsFor(ActorRole role) =>
        (int)role < _actionsByRole.Length ? _actionsByRole[(int)role] : [];

    /// <summary>Keys of <see cref="ActionsFor"/>.</summary>
    public ImmutableArray<string> ActionKeysFor(ActorRole role) =>
        (int)role < _actionKeysByRole.Length ? _actionKeysByRole[(int)role] : [];

    internal void Complete(ImmutableArray<ActionDefinition> actions, ImmutableArray<TimerDefinition> timers)
    {
        Actions = actions;
        Timers = timers;
        var roles = Enum.GetValues<ActorRole>();
        _actionsByRole = new ImmutableArray<ActionDefinition>[roles.Length];
        _actionKeysByRole = new ImmutableArray<string>[roles.Length];
        foreach (var role in roles)
        {
            _actionsByRole[(int)role] = [.. actions.Where(a => a.Roles.Contains(role))];
            _actionKeysByRole[(int)role] = [.. _actionsByRole[(int)role].Select(a => a.Key)];
        }
    }

    /// <inheritdoc />
    public override string ToString() => Key;
}
