using System.Text.Json.Serialization;

namespace ServiceDelivery.Application.Deliveries;

/// <summary>
/// A delivery as the application returns it: the one list of its fields. The API's resource extends it with what
/// depends on the caller (names in the caller's language, available actions).
/// </summary>
public record DeliveryView(
    Guid Id,
    string OrderId,
    ProductView Product,
    PartyView Buyer,
    PartyView Provider,
    decimal PaidAmount,
    decimal CouponAmount,
    decimal RefundableAmount,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? RefundAmount,
    string Currency,
    string InvoiceStatus,
    DefinitionRef Definition,
    string Stage,
    string Status,
    DateTimeOffset StageEnteredAt,
    DateTimeOffset? AutoAcceptAt,
    int Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

public sealed record ProductView(string Id, string Name, string? Spec);

public sealed record PartyView(string Id, string Name, string Email);

public sealed record DefinitionRef(string Key, int Version);
