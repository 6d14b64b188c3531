using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Persistence;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Fault.Tests;

/// <summary>What reached the SMTP server and the webhook receiver, checked against the outbox.</summary>
public static class Delivered
{
    /// <summary>A host's settings to mail <paramref name="smtp"/> and post events to <paramref name="hooks"/>, retrying every second.</summary>
    public static void SendTo(IDictionary<string, string?> environment, TestSmtpServer smtp, TestWebhookReceiver hooks)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(smtp);
        ArgumentNullException.ThrowIfNull(hooks);
        environment["Smtp__Host"] = "127.0.0.1";
        environment["Smtp__Port"] = smtp.Port.ToString(CultureInfo.InvariantCulture);
        environment["Webhooks__Endpoints__0__Url"] = hooks.Url;
        environment["Webhooks__Endpoints__0__Secret"] = hooks.Secret;
        environment["Notifications__RetryBaseDelay"] = "00:00:01";
        environment["Notifications__PollInterval"] = "00:00:01";
    }

    /// <summary>
    /// Every mail arrived under its Message-Id (outbox-&lt;row&gt;-&lt;ticks&gt;) and every webhook under its event id, each
    /// delivery's webhooks in the order of its steps. Answers the counts and how many arrived a second time under the
    /// same id (at-least-once with stable ids: receivers drop those).
    /// </summary>
    public static async Task<(int Mails, int Webhooks, int Resent)> CheckAsync(ServiceDeliveryDbContext db, TestSmtpServer smtp, TestWebhookReceiver hooks, IReadOnlyCollection<Guid> deliveries)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(smtp);
        ArgumentNullException.ThrowIfNull(hooks);
        var mails = await db.Outbox.AsNoTracking().Where(o => o.Kind == "email").Select(o => o.Id).ToListAsync();
        var received = smtp.Messages.Select(m => long.Parse(m.MessageId!.Split('-')[1], CultureInfo.InvariantCulture)).ToList();
        // Sorted and compared in order: FluentAssertions' unordered equivalency pairs every item with every other,
        // which at full size (tens of thousands of ids) runs for many minutes.
        received.Distinct().Order().Should().Equal(mails.Order(), "every mail arrives, under its own Message-Id");

        // Events about no one delivery (log.anchored, from the integrity sweep) count like any other.
        var events = (await db.Outbox.AsNoTracking().Where(o => o.Kind == "webhook").OrderBy(o => o.Id).Select(o => new { o.DeliveryId, o.Payload }).ToListAsync())
            .Select(o => (Delivery: o.DeliveryId ?? Guid.Empty, Event: JsonDocument.Parse(o.Payload).RootElement.GetProperty("id").GetGuid())).ToList();
        var accepted = hooks.Accepted;
        accepted.Select(a => a.EventId).Distinct().Order().Should().Equal(events.Select(h => h.Event).Order(), "every event arrives, under its own id");
        var arrived = accepted.ToLookup(a => a.DeliveryId, a => a.EventId);
        var written = events.ToLookup(h => h.Delivery, h => h.Event);
        foreach (var delivery in deliveries)
        {
            arrived[delivery].Distinct().Should().Equal(written[delivery], "a delivery's events arrive in the order of its steps");
        }

        return (mails.Count, events.Count, received.Count - mails.Count + accepted.Count - events.Count);
    }
}
