using System.Collections.Immutable;

namespace ServiceDelivery.Engine.Definitions;

/// <summary>A step a role performs (a transition of the state chart).</summary>
public sealed class ActionDefinition
{
    /// <summary>Target meaning "no stage change".</summary>
    public const string Stay = "$stay";

    /// <summary>Target meaning "back to the stage the delivery came from".</summary>
    public const string Return = "$return";

    internal ActionDefinition(
        string key,
        LocalizedText name,
        ImmutableArray<ActorRole> roles,
        string target,
        FormDefinition? form,
        ImmutableArray<Guard> guards,
        Execution.RejectionCode elsewhere,
        ImmutableArray<NotificationRule> notify)
    {
        Key = key;
        Name = name;
        Roles = roles;
        Target = target;
        Form = form;
        Guards = guards;
        Elsewhere = elsewhere;
        Notify = notify;
    }

    /// <summary>Action key, e.g. <c>submit_requirement</c>.</summary>
    public string Key { get; }

    /// <summary>Display name, e.g. 提交需求.</summary>
    public LocalizedText Name { get; }

    /// <summary>Roles allowed to perform it.</summary>
    public ImmutableArray<ActorRole> Roles { get; }

    /// <summary>Target stage key, <see cref="Stay"/> or <see cref="Return"/>.</summary>
    public string Target { get; }

    /// <summary>The form of its input, if any.</summary>
    public FormDefinition? Form { get; }

    /// <summary>Conditions that must hold.</summary>
    public ImmutableArray<Guard> Guards { get; }

    /// <summary>The rejection when attempted in a stage that does not offer it.</summary>
    public Execution.RejectionCode Elsewhere { get; }

    /// <summary>A refund request: the definition says that asking for it elsewhere is "refund not allowed".</summary>
    public bool IsRefundRequest => Elsewhere == Execution.RejectionCode.RefundNotAllowed;

    /// <summary>Notifications when performed.</summary>
    public ImmutableArray<NotificationRule> Notify { get; }

    /// <inheritdoc />
    public override string ToString() => Key;
}
