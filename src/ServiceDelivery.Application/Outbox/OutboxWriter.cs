using System.Text.Json;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Persistence;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Application.Outbox;

/// <summary>
/// Turns notification events into outbox rows on the command's DbContext, so they commit with the change or not
/// at all. One row per recipient role; the platform's row has no address (the configured mailbox is used).
/// </summary>
public static class OutboxWriter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static void Notify(ServiceDeliveryDbContext db, DeliveryRecord delivery, IEnumerable<NotificationRule> rules, NotificationPayload payload, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(delivery);
        ArgumentNullException.ThrowIfNull(rules);
        var serialized = JsonSerializer.Serialize(payload, Json);
        foreach (var rule in rules)
        {
            foreach (var role in rule.To)
            {
                var (address, name, culture) = role switch
                {
                    ActorRole.Buyer => (delivery.BuyerEmail, delivery.BuyerName, delivery.BuyerLocale),
                    ActorRole.Provider => (delivery.ProviderEmail, delivery.ProviderName, delivery.ProviderLocale),
                    _ => ((string?)null, (string?)null, LocalizedText.DefaultCulture),
                };

                db.Outbox.Add(new OutboxRecord
                {
                    Kind = "email",
                    DeliveryId = delivery.Id,
                    Topic = rule.Template,
                    RecipientRole = role.ToKey(),
                    RecipientAddress = address,
                    RecipientName = name,
                    Culture = culture,
                    Payload = serialized,
                    Status = OutboxRecord.Statuses.Pending,
                    NextAttemptAt = now,
                    CreatedAt = now,
                });
            }
        }
    }

    public static T? Read<T>(OutboxRecord row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return JsonSerializer.Deserialize<T>(row.Payload, Json);
    }
}
