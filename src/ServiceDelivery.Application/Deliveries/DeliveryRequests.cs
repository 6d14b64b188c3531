namespace ServiceDelivery.Application.Deliveries;

/// <summary>A paid order the marketplace asks us to deliver.</summary>
public sealed record StartDeliveryRequest(
    string OrderId,
    OrderProduct Product,
    OrderParty Buyer,
    OrderParty Provider,
    decimal PaidAmount,
    decimal CouponAmount,
    string Currency,
    DateTimeOffset PaidAt,
    string? DefinitionKey = null);

public sealed record OrderProduct(string Id, string Name, string? Spec = null);

/// <summary>A party of the order. <paramref name="Locale"/> (zh-CN or en) and <paramref name="TimeZone"/> (IANA) shape its notifications.</summary>
public sealed record OrderParty(string Id, string Name, string Email, string? Locale = null, string? TimeZone = null);

/// <summary>The result of starting: the delivery, and whether this call created it.</summary>
public sealed record StartDeliveryResult(DeliveryView Delivery, bool Created);

/// <summary>A party performs an action of the process.</summary>
/// <param name="DeliveryId">The delivery.</param>
/// <param name="Action">Action key.</param>
/// <param name="Fields">Form fields.</param>
/// <param name="AttachmentIds">Attachments the caller uploaded.</param>
/// <param name="ExpectedVersion">From If-Match: refuse when the delivery changed since.</param>
/// <param name="IdempotencyKey">From Idempotency-Key: a repeat returns the first result.</param>
public sealed record PerformActionRequest(
    Guid DeliveryId,
    string Action,
    IReadOnlyDictionary<string, string> Fields,
    IReadOnlyList<Guid> AttachmentIds,
    int? ExpectedVersion = null,
    string? IdempotencyKey = null);

/// <summary>A platform intervention with its reason.</summary>
/// <param name="DeliveryId">The delivery.</param>
/// <param name="Kind">move, close, complete or refund.</param>
/// <param name="ToStage">Target of a move.</param>
/// <param name="Reason">Why (logged, visible to the parties).</param>
/// <param name="InternalNote">Platform-only note.</param>
/// <param name="Amount">Refund amount (default: the paid amount).</param>
/// <param name="ExpectedVersion">From If-Match.</param>
public sealed record InterveneRequest(
    Guid DeliveryId,
    string Kind,
    string? ToStage,
    string? Reason,
    string? InternalNote = null,
    decimal? Amount = null,
    int? ExpectedVersion = null);

/// <summary>What an intervention would do (see <see cref="DeliveryCommands.PreviewInterventionAsync"/>).</summary>
/// <param name="Version">The delivery's version the preview was made on: apply with If-Match on it.</param>
public sealed record InterventionPreview(
    int Version,
    string? FromStage,
    string ToStage,
    string Status,
    IReadOnlyList<PreviewTask> TasksClosed,
    IReadOnlyList<PreviewTask> TasksOpened,
    IReadOnlyList<PreviewTimer> Timers,
    IReadOnlyList<PreviewNotification> Notifications,
    decimal? RefundAmount);

public sealed record PreviewTask(string Role, string Stage);

/// <summary>A timer change: started, frozen, resumed, cancelled or fired.</summary>
public sealed record PreviewTimer(string Change, string Key, string Stage, DateTimeOffset? DueAt, TimeSpan? Remaining);

public sealed record PreviewNotification(string Template, IReadOnlyList<string> To);
