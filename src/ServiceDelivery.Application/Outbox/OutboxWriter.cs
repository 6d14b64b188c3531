using System.Text.Json;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Engine.Execution;
using ServiceDelivery.Persistence;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Application.Outbox;

/// <summary>
/// Writes outgoing messages as outbox rows on the command's DbContext, so they commit with the change or not at
/// all: e-mails (one row per recipient role; the platform's row has no address, its mailbox is configuration) and
/// integration events (one row per configured webhook endpoint that wants the event).
/// </summary>
public sealed class OutboxWriter(WebhookOptions webhooks)
{
    public const string Email = "email";
    public const string Webhook = "webhook";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>An empty writer (no webhooks), for tools and tests that only need e-mail rows.</summary>
    public static OutboxWriter WithoutWebhooks { get; } = new(new WebhookOptions());

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "One writer instance for both kinds of message keeps call sites uniform.")]
    public void Notify(ServiceDeliveryDbContext db, DeliveryRecord delivery, IEnumerable<NotificationRule> rules, NotificationPayload payload, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(delivery);
        ArgumentNullException.ThrowIfNull(rules);
        var serialized = JsonSerializer.Serialize(payload, Json);
        foreach (var rule in rules)
        {
            foreach (var role in rule.To)
            {
                var (address, name, culture, timeZone) = role switch
                {
                    ActorRole.Buyer => (delivery.BuyerEmail, delivery.BuyerName, delivery.BuyerLocale, delivery.BuyerTimeZone),
                    ActorRole.Provider => (delivery.ProviderEmail, delivery.ProviderName, delivery.ProviderLocale, delivery.ProviderTimeZone),
                    _ => ((string?)null, (string?)null, LocalizedText.DefaultCulture, (string?)null),
                };

                db.Outbox.Add(new OutboxRecord
                {
                    Kind = Email,
                    DeliveryId = delivery.Id,
                    Topic = rule.Template,
                    RecipientRole = role.ToKey(),
                    RecipientAddress = address,
                    RecipientName = name,
                    Culture = culture,
                    TimeZone = timeZone,
                    Payload = serialized,
                    Status = OutboxRecord.Statuses.Pending,
                    NextAttemptAt = now,
                    CreatedAt = now,
                });
            }
        }
    }

    /// <summary>Writes one integration event for every endpoint that wants it.</summary>
    public void Publish(ServiceDeliveryDbContext db, DeliveryRecord delivery, string type, IReadOnlyDictionary<string, object?> data, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(delivery);
        foreach (var endpoint in webhooks.Endpoints.Where(e => e.Wants(type)))
        {
            // One id per event, shared by every endpoint's copy: receivers deduplicate by it.
            var message = new IntegrationEvent(EventId(delivery, type, now, data), type, now, Snapshot(delivery), data);
            db.Outbox.Add(new OutboxRecord
            {
                Kind = Webhook,
                DeliveryId = delivery.Id,
                Topic = type,
                RecipientAddress = endpoint.Url,
                Culture = LocalizedText.DefaultCulture,
                Payload = JsonSerializer.Serialize(message, Json),
                Status = OutboxRecord.Statuses.Pending,
                NextAttemptAt = now,
                CreatedAt = now,
            });
        }
    }

    /// <summary>Writes an event about no one delivery (a signed anchor) for every endpoint that wants it.</summary>
    public void PublishGlobal(ServiceDeliveryDbContext db, Guid eventId, string type, IReadOnlyDictionary<string, object?> data, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(db);
        foreach (var endpoint in webhooks.Endpoints.Where(e => e.Wants(type)))
        {
            db.Outbox.Add(new OutboxRecord
            {
                Kind = Webhook,
                Topic = type,
                RecipientAddress = endpoint.Url,
                Culture = LocalizedText.DefaultCulture,
                Payload = JsonSerializer.Serialize(new IntegrationEvent(eventId, type, now, null, data), Json),
                Status = OutboxRecord.Statuses.Pending,
                NextAttemptAt = now,
                CreatedAt = now,
            });
        }
    }

    /// <summary>The integration events a decision amounts to, in the order they happened.</summary>
    public void PublishDecision(ServiceDeliveryDbContext db, DeliveryRecord delivery, ProcessDefinition definition, Decision decision, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (webhooks.Endpoints.Count == 0 || decision.Log is not { } log)
        {
            return;
        }

        if (decision.FromStage is null)
        {
            Publish(db, delivery, IntegrationEvents.DeliveryStarted, new Dictionary<string, object?> { ["stage"] = delivery.Stage }, now);
            return;
        }

        if (!decision.StageEntered)
        {
            return;
        }

        var change = new Dictionary<string, object?>
        {
            ["fromStage"] = decision.FromStage,
            ["toStage"] = decision.ToStage,
            ["action"] = log.Action,
            ["actorRole"] = log.Actor.Role.ToKey(),
        };
        Publish(db, delivery, IntegrationEvents.StageChanged, change, now);
        if (definition.TryGetAction(log.Action, out var action) && action.IsRefundRequest)
        {
            Publish(db, delivery, IntegrationEvents.RefundRequested, new Dictionary<string, object?>(change) { ["reasonCode"] = log.Data.GetValueOrDefault("reasonCode") }, now);
        }

        if (delivery.Status == StageStatus.Completed.ToKey())
        {
            var how = log.Timer is not null ? "auto_accepted" : LogActions.IsIntervention(log.Action) ? "force_completed" : "accepted";
            Publish(db, delivery, IntegrationEvents.Completed, new Dictionary<string, object?>(change) { ["completion"] = how }, now);
        }
        else if (delivery.Status == StageStatus.Refunded.ToKey())
        {
            Publish(db, delivery, IntegrationEvents.Refunded, new Dictionary<string, object?>(change) { ["amount"] = decision.RefundAmount, ["currency"] = delivery.Currency }, now);
        }
    }

    public static T? Read<T>(OutboxRecord row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return JsonSerializer.Deserialize<T>(row.Payload, Json);
    }

    private static DeliverySnapshot Snapshot(DeliveryRecord d) => new(
        d.Id, d.OrderId, d.ProductId, d.ProductName, d.BuyerId, d.ProviderId, d.Stage, d.Status, d.PaidAmount, d.RefundAmount, d.Currency, d.InvoiceStatus,
        d.DefinitionKey, d.DefinitionVersion, d.Version);

    // Deterministic for the same change (delivery, version, type), so a replayed write could never mint a second id.
    private static Guid EventId(DeliveryRecord delivery, string type, DateTimeOffset now, IReadOnlyDictionary<string, object?> data)
    {
        var bytes = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            $"{delivery.Id:N}|{delivery.Version}|{type}|{now.UtcTicks}|{data.GetValueOrDefault("ticketId")}"));
        return new Guid(bytes.AsSpan(0, 16));
    }
}
