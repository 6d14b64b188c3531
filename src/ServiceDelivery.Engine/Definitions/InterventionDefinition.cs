using System.Collections.Immutable;

namespace ServiceDelivery.Engine.Definitions;

/// <summary>The kinds of platform intervention the engine implements.</summary>
public enum InterventionKind
{
    /// <summary>Move the delivery to a stage the operator chooses.</summary>
    Move,

    /// <summary>Close the delivery (terminal, status closed).</summary>
    Close,

    /// <summary>Complete the delivery (terminal, status completed), e.g. resolving a dispute for the provider.</summary>
    Complete,

    /// <summary>Refund an amount up to the paid amount (terminal, status refunded), e.g. a negotiated ratio.</summary>
    Refund,
}

/// <summary>Wire names of <see cref="InterventionKind"/>.</summary>
public static class InterventionKinds
{
    /// <summary>The wire name.</summary>
    public static string ToKey(this InterventionKind kind) => kind switch
    {
        InterventionKind.Move => "move",
        InterventionKind.Close => "close",
        InterventionKind.Complete => "complete",
        InterventionKind.Refund => "refund",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The stage status a fixed-target intervention must lead to.</summary>
    public static StageStatus? RequiredTargetStatus(this InterventionKind kind) => kind switch
    {
        InterventionKind.Close => StageStatus.Closed,
        InterventionKind.Complete => StageStatus.Completed,
        InterventionKind.Refund => StageStatus.Refunded,
        _ => null,
    };
}

/// <summary>A platform intervention available from every non-terminal stage.</summary>
public sealed class InterventionDefinition
{
    internal InterventionDefinition(InterventionKind kind, LocalizedText name, string? target, FormDefinition? form, ImmutableArray<NotificationRule> notify)
    {
        Kind = kind;
        Name = name;
        Target = target;
        Form = form;
        Notify = notify;
        LogAction = Execution.LogActions.InterventionPrefix + kind.ToKey();
    }

    /// <summary>The kind.</summary>
    public InterventionKind Kind { get; }

    /// <summary>Log action key, e.g. <c>admin_move</c>.</summary>
    public string LogAction { get; }

    /// <summary>Display name.</summary>
    public LocalizedText Name { get; }

    /// <summary>Fixed target stage (null for <see cref="InterventionKind.Move"/>).</summary>
    public string? Target { get; }

    /// <summary>Input form (e.g. a required reason).</summary>
    public FormDefinition? Form { get; }

    /// <summary>Notifications when performed.</summary>
    public ImmutableArray<NotificationRule> Notify { get; }
}
