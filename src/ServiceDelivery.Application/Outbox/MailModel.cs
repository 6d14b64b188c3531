using System.Globalization;
using ServiceDelivery.Application.Definitions;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Application.Outbox;

/// <summary>
/// The facts a template can use, for one recipient: names in their language, times in their time zone, the link
/// to the delivery. Plain dictionaries, so templates need no registered types.
/// </summary>
public static class MailModel
{
    public static Dictionary<string, object?> Build(OutboxRecord row, NotificationPayload payload, ProcessDefinition definition, NotificationOptions options, string defaultTimeZone)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(options);
        var culture = row.Culture;
        var zone = Zone(row.TimeZone ?? defaultTimeZone);
        string When(DateTimeOffset? at) => at is { } value
            ? $"{TimeZoneInfo.ConvertTime(value, zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} ({zone.Id})"
            : string.Empty;

        var labels = payload.Data
            .Select(d => (d.Key, Name: DisplayNames.Choice(definition, d.Key, d.Value, culture)))
            .Where(d => d.Name is not null)
            .ToDictionary(d => d.Key, d => (object?)d.Name);

        return new Dictionary<string, object?>
        {
            ["recipient"] = new Dictionary<string, object?>
            {
                ["role"] = row.RecipientRole,
                ["name"] = row.RecipientName ?? (culture == "en" ? "reviewer" : "审核员"),
            },
            ["delivery"] = new Dictionary<string, object?>
            {
                ["id"] = payload.DeliveryId.ToString(),
                ["order_id"] = payload.OrderId,
                ["product"] = payload.ProductName,
                ["spec"] = payload.ProductSpec,
                ["buyer"] = payload.BuyerName,
                ["provider"] = payload.ProviderName,
                ["stage"] = payload.Stage,
                ["stage_name"] = DisplayNames.Stage(definition, payload.Stage, culture),
                ["paid_amount"] = payload.PaidAmount.ToString("0.00", CultureInfo.InvariantCulture),
                ["refund_amount"] = payload.RefundAmount?.ToString("0.00", CultureInfo.InvariantCulture),
                ["currency"] = payload.Currency,
                ["link"] = $"{options.BaseUrl.TrimEnd('/')}/deliveries/{payload.DeliveryId}",
            },
            ["event"] = new Dictionary<string, object?>
            {
                ["action"] = payload.Action,
                ["action_name"] = payload.Action is null ? null : DisplayNames.Action(definition, payload.Action, culture),
                ["actor"] = payload.ActorName,
                ["actor_role"] = payload.ActorRole,
                ["from_stage_name"] = payload.FromStage is null ? null : DisplayNames.Stage(definition, payload.FromStage, culture),
                ["at"] = When(payload.At),
                ["data"] = payload.Data.ToDictionary(d => d.Key, d => (object?)d.Value),
                ["labels"] = labels,
            },
            ["deadline"] = When(payload.AutoAcceptAt),
            ["ticket"] = payload.TicketId is null ? null : new Dictionary<string, object?>
            {
                ["id"] = payload.TicketId.ToString(),
                ["subject"] = payload.TicketSubject,
                ["category"] = payload.TicketCategory,
                ["category_name"] = DisplayNames.Ticket(payload.TicketCategory, culture),
                ["outcome"] = payload.TicketOutcome,
                ["outcome_name"] = payload.TicketOutcome is null ? null : DisplayNames.Ticket(payload.TicketOutcome, culture),
            },
        };
    }

    private static TimeZoneInfo Zone(string id) =>
        TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : TimeZoneInfo.Utc;
}
