using System.Collections.Immutable;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Engine.Timers;

namespace ServiceDelivery.Engine.Execution;

/// <summary>The result of <see cref="WorkflowEngine.Decide"/>: a <see cref="Decision"/> or a <see cref="Rejection"/>.</summary>
public abstract record Outcome;

/// <summary>
/// What a command does: the state after it and every change the runtime must write in the same transaction
/// (tasks, timers, the process-log entry, notifications).
/// </summary>
/// <param name="State">The delivery's state after the command.</param>
/// <param name="FromStage">Stage before (null when starting).</param>
/// <param name="StageEntered">True when a stage was entered (including re-entry and return).</param>
/// <param name="Tasks">Tasks opened and closed.</param>
/// <param name="Timers">Timers started, frozen, resumed, cancelled, fired.</param>
/// <param name="Log">The process-log entry, or null for changes that are not steps (reminders, disputes).</param>
/// <param name="Notifications">Notification events (template and recipient roles).</param>
/// <param name="RefundAmount">Set when the delivery was refunded: the amount to pay back.</param>
public sealed record Decision(
    DeliveryState State,
    string? FromStage,
    bool StageEntered,
    ImmutableArray<TaskChange> Tasks,
    ImmutableArray<TimerChange> Timers,
    LogEntry? Log,
    ImmutableArray<NotificationRule> Notifications,
    decimal? RefundAmount) : Outcome
{
    /// <summary>The stage after the command.</summary>
    public string ToStage => State.Stage;
}

/// <summary>Why a command was refused. Each code is one error code of the HTTP API.</summary>
/// <param name="Code">The reason.</param>
/// <param name="Stage">The delivery's current stage.</param>
/// <param name="AllowedActions">Actions the actor may perform now.</param>
/// <param name="Errors">Field errors, for <see cref="RejectionCode.ValidationFailed"/>.</param>
/// <param name="Guard">The guard that failed, for guard rejections.</param>
public sealed record Rejection(
    RejectionCode Code,
    string Stage,
    ImmutableArray<string> AllowedActions,
    ImmutableArray<FieldError> Errors,
    Guard? Guard = null) : Outcome;

/// <summary>Rejection reasons; one-to-one with the API's error codes.</summary>
public enum RejectionCode
{
    /// <summary><c>invalid_transition</c>: the action does not exist in the current stage.</summary>
    InvalidTransition,

    /// <summary><c>forbidden_action</c>: the role may not perform the action.</summary>
    ForbiddenAction,

    /// <summary><c>delivery_paused</c>: a party acted while the flow is paused.</summary>
    DeliveryPaused,

    /// <summary><c>refund_not_allowed</c>: refund requested outside the allowed stages.</summary>
    RefundNotAllowed,

    /// <summary><c>invoice_blocks_refund</c>: the invoice status blocks the refund.</summary>
    InvoiceBlocksRefund,

    /// <summary><c>validation_failed</c>: the form is invalid.</summary>
    ValidationFailed,
}

/// <summary>API codes of <see cref="RejectionCode"/>: the one place each of these wire words is spelled.</summary>
public static class RejectionCodes
{
    public const string InvalidTransition = "invalid_transition";
    public const string ForbiddenAction = "forbidden_action";
    public const string DeliveryPaused = "delivery_paused";
    public const string RefundNotAllowed = "refund_not_allowed";
    public const string InvoiceBlocksRefund = "invoice_blocks_refund";
    public const string ValidationFailed = "validation_failed";

    /// <summary>The API error code.</summary>
    public static string ToApiCode(this RejectionCode code) => code switch
    {
        RejectionCode.InvalidTransition => InvalidTransition,
        RejectionCode.ForbiddenAction => ForbiddenAction,
        RejectionCode.DeliveryPaused => DeliveryPaused,
        RejectionCode.RefundNotAllowed => RefundNotAllowed,
        RejectionCode.InvoiceBlocksRefund => InvoiceBlocksRefund,
        RejectionCode.ValidationFailed => ValidationFailed,
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, null),
    };
}

/// <summary>A problem with one input field.</summary>
/// <param name="Field">Field key (<c>attachmentIds</c> for attachments).</param>
/// <param name="Code">What is wrong.</param>
/// <param name="Limit">The limit that was exceeded, where there is one.</param>
public readonly record struct FieldError(string Field, FieldErrorCode Code, int Limit = 0);

/// <summary>Kinds of field problems.</summary>
public enum FieldErrorCode
{
    /// <summary>Missing or blank.</summary>
    Required,

    /// <summary>Longer than the maximum length.</summary>
    TooLong,

    /// <summary>Not one of the allowed values.</summary>
    NotAllowedValue,

    /// <summary>The form has no such field.</summary>
    UnknownField,

    /// <summary>More attachments than the form takes.</summary>
    TooManyAttachments,

    /// <summary>The same attachment twice.</summary>
    DuplicateAttachment,

    /// <summary>Not a stage of the definition, or not allowed here.</summary>
    InvalidStage,

    /// <summary>A number outside its allowed range (e.g. refund above the paid amount).</summary>
    OutOfRange,

    /// <summary>Not a number (a number field).</summary>
    NotANumber,

    /// <summary>Not a yyyy-MM-dd date (a date field).</summary>
    NotADate,

    /// <summary>Neither "true" nor "false" (a boolean field).</summary>
    NotABoolean,

    /// <summary>Not an e-mail address (an email field).</summary>
    NotAnEmail,

    /// <summary>Not an absolute http(s) address (a url field).</summary>
    NotAUrl,
}

/// <summary>A task opened or closed.</summary>
/// <param name="Opened">True: opened; false: closed.</param>
/// <param name="Task">The task.</param>
public readonly record struct TaskChange(bool Opened, OpenTask Task);

/// <summary>One step of the process log (流程日志).</summary>
/// <param name="Action">Action key, <c>start</c>, or an intervention's <c>admin_*</c> key.</param>
/// <param name="Actor">Who did it.</param>
/// <param name="FromStage">Stage before (null at start).</param>
/// <param name="ToStage">Stage after.</param>
/// <param name="Data">Texts everyone who sees the delivery may read.</param>
/// <param name="InternalData">Platform-internal texts.</param>
/// <param name="Attachments">Referenced attachments.</param>
/// <param name="Timer">The timer that performed it, for system steps.</param>
public sealed record LogEntry(
    string Action,
    Actor Actor,
    string? FromStage,
    string ToStage,
    IReadOnlyDictionary<string, string> Data,
    IReadOnlyDictionary<string, string> InternalData,
    ImmutableArray<Guid> Attachments,
    string? Timer);
