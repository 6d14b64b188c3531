using System.Collections.Immutable;
using ServiceDelivery.Engine.Execution;

namespace ServiceDelivery.Application.Common;

/// <summary>A problem with one input field; <see cref="Code"/> is stable and localized by the host.</summary>
/// <param name="Field">Field name as the client sent it.</param>
/// <param name="Code">required, too_long, not_allowed_value, unknown_field, too_many_attachments, duplicate_attachment, unknown_attachment, invalid_stage, out_of_range, invalid.</param>
/// <param name="Limit">The exceeded limit, where there is one.</param>
public sealed record InputError(string Field, string Code, int Limit = 0);

/// <summary>Why a command or query did not succeed. <see cref="Code"/> is an error code of the HTTP API.</summary>
public sealed record Failure(string Code)
{
    public const string NotFoundCode = "not_found";
    public const string VersionConflictCode = "version_conflict";
    public const string OrderConflictCode = "order_conflict";
    public const string ValidationFailedCode = Engine.Execution.RejectionCodes.ValidationFailed;
    public const string ForbiddenActionCode = Engine.Execution.RejectionCodes.ForbiddenAction;
    public const string InvalidTransitionCode = Engine.Execution.RejectionCodes.InvalidTransition;
    public const string IdempotencyKeyReusedCode = "idempotency_key_reused";
    public const string BusyCode = "server_busy";

    /// <summary>The delivery's stage, for transition problems.</summary>
    public string? Stage { get; init; }

    /// <summary>What the caller may do now, for transition problems.</summary>
    public ImmutableArray<string> AllowedActions { get; init; } = [];

    /// <summary>Field problems, for validation_failed.</summary>
    public IReadOnlyList<InputError> Errors { get; init; } = [];

    /// <summary>The guard that failed, for invoice_blocks_refund.</summary>
    public string? Guard { get; init; }

    public static Failure NotFound { get; } = new(NotFoundCode);

    public static Failure VersionConflict { get; } = new(VersionConflictCode);

    public static Failure OrderConflict { get; } = new(OrderConflictCode);

    public static Failure Forbidden { get; } = new(ForbiddenActionCode);

    public static Failure IdempotencyKeyReused { get; } = new(IdempotencyKeyReusedCode);

    /// <summary>The host had no turn for the command in time (DeliveryOptions.CommandTurnTimeout); nothing was done.</summary>
    public static Failure Busy { get; } = new(BusyCode);

    public static Failure Invalid(params InputError[] errors) => new(ValidationFailedCode) { Errors = errors };

    /// <summary>The API form of an engine rejection.</summary>
    public static Failure From(Rejection rejection)
    {
        ArgumentNullException.ThrowIfNull(rejection);
        return new Failure(rejection.Code.ToApiCode())
        {
            Stage = rejection.Stage,
            AllowedActions = rejection.AllowedActions,
            Errors = [.. rejection.Errors.Select(e => new InputError(e.Field, ToCode(e.Code), e.Limit))],
            Guard = rejection.Guard is { } guard ? Engine.Definitions.Guards.ToKey(guard) : null,
        };
    }

    private static string ToCode(FieldErrorCode code) => code switch
    {
        FieldErrorCode.Required => "required",
        FieldErrorCode.TooLong => "too_long",
        FieldErrorCode.NotAllowedValue => "not_allowed_value",
        FieldErrorCode.UnknownField => "unknown_field",
        FieldErrorCode.TooManyAttachments => "too_many_attachments",
        FieldErrorCode.DuplicateAttachment => "duplicate_attachment",
        FieldErrorCode.InvalidStage => "invalid_stage",
        FieldErrorCode.OutOfRange => "out_of_range",
        FieldErrorCode.NotANumber => "not_a_number",
        FieldErrorCode.NotADate => "not_a_date",
        FieldErrorCode.NotABoolean => "not_a_boolean",
        FieldErrorCode.NotAnEmail => "not_an_email",
        FieldErrorCode.NotAUrl => "not_a_url",
        _ => "invalid",
    };
}

/// <summary>A value or a <see cref="Failure"/>.</summary>
public readonly record struct Result<T>
{
    private Result(T? value, Failure? failure)
    {
        Value = value;
        Failure = failure;
    }

    public T? Value { get; }

    public Failure? Failure { get; }

    public bool IsSuccess => Failure is null;

    public static implicit operator Result<T>(T value) => new(value, null);

    public static implicit operator Result<T>(Failure failure) => new(default, failure);

    /// <summary>The value; throws when failed (for tests and seeding).</summary>
    public T Unwrap() => IsSuccess ? Value! : throw new InvalidOperationException($"Expected success, got {Failure!.Code}: {string.Join(", ", Failure.Errors)}");
}
