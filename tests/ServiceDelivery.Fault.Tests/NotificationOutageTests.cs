using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Fault.Tests;

/// <summary>
/// Scenario 4 of the fault suite: the SMTP server and the webhook receiver go down in the middle of a run and come
/// back. Every acknowledged step is in the log once; every mail and webhook of those steps arrives exactly once
/// (by Message-Id and event id) after they return, and each delivery's webhooks arrive in the order of its steps.
/// </summary>
public sealed class NotificationOutageTests : IAsyncLifetime
{
    private static readonly string[] Path = ["submit_requirement", "confirm_requirement", "post_progress", "submit_for_acceptance", "accept"];

    private TestSmtpServer _smtp = null!;
    private TestWebhookReceiver _hooks = null!;
    private OutageHost _host = null!;

    public async Task InitializeAsync()
    {
        _smtp = TestSmtpServer.Start();
        _smtp.KeepMessages = true;
        _hooks = await TestWebhookReceiver.StartAsync();
        _host = new OutageHost(_smtp, _hooks);
        await _host.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _hooks.DisposeAsync();
        await _smtp.DisposeAsync();
    }

    [Fact]
    public async Task Mail_and_webhooks_held_back_by_an_outage_arrive_exactly_once_and_in_order_after_it()
    {
        var deliveries = FaultScale.Full ? 300 : 30;
        var started = DateTime.UtcNow;
        var ledger = new ConcurrentBag<(Guid Delivery, string Action)>();

        async Task RunAsync(int from, int count) => await Parallel.ForAsync(from, from + count, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            var id = await _host.StartDeliveryAsync("manual-service-delivery", $"OUTAGE-{i:D5}");
            ledger.Add((id, "start"));
            foreach (var action in Path)
            {
                await _host.ActAsync(id, action);
                ledger.Add((id, action)); // acknowledged: the API answered 200
            }
        });

        await RunAsync(0, deliveries / 3);
        await _smtp.StopAsync();
        _hooks.Down = true;
        await RunAsync(deliveries / 3, deliveries / 3);
        await Task.Delay(TimeSpan.FromSeconds(FaultScale.Full ? 30 : 5)); // senders keep failing and backing off meanwhile
        _smtp.Resume();
        _hooks.Down = false;
        await RunAsync(2 * (deliveries / 3), deliveries - (2 * (deliveries / 3)));

        await using var db = TestDatabase.Context(_host.ConnectionString);
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (await db.Outbox.AsNoTracking().AnyAsync(o => o.Status != "sent"))
        {
            var failed = await db.Outbox.AsNoTracking().Where(o => o.Status == "failed").Select(o => o.Kind + " " + o.Topic + ": " + o.LastError).ToListAsync();
            failed.Should().BeEmpty("an outage of seconds never exhausts the retries");
            DateTime.UtcNow.Should().BeBefore(deadline, "everything is sent once the receivers are back");
            await Task.Delay(500);
        }

        await Task.Delay(2000); // a duplicate would arrive now

        // Every acknowledged step is in the log exactly once.
        var ids = ledger.Select(l => l.Delivery).Distinct().ToList();
        var log = await db.ProcessLog.AsNoTracking().Where(l => ids.Contains(l.DeliveryId)).Select(l => new { l.DeliveryId, l.Action }).ToListAsync();
        log.GroupBy(l => (l.DeliveryId, l.Action)).Should().OnlyContain(g => g.Count() == 1, "no step twice");
        log.Select(l => (l.DeliveryId, l.Action)).Should().BeEquivalentTo(ledger, "every acknowledged step is in the log, nothing else");

        // Every mail exactly once, by its Message-Id (outbox-<row>-<ticks>).
        var mails = await db.Outbox.AsNoTracking().Where(o => o.Kind == "email").Select(o => o.Id).ToListAsync();
        var received = _smtp.Messages.Select(m => long.Parse(m.MessageId!.Split('-')[1], CultureInfo.InvariantCulture)).ToList();
        received.Should().OnlyHaveUniqueItems("no mail twice").And.BeEquivalentTo(mails, "every mail once");

        // Every webhook exactly once (by event id), in its delivery's order.
        var hooks = (await db.Outbox.AsNoTracking().Where(o => o.Kind == "webhook").OrderBy(o => o.Id).Select(o => new { o.DeliveryId, o.Payload }).ToListAsync())
            .Select(o => (Delivery: o.DeliveryId!.Value, Event: JsonDocument.Parse(o.Payload).RootElement.GetProperty("id").GetGuid())).ToList();
        var accepted = _hooks.Accepted;
        accepted.Select(a => a.EventId).Should().OnlyHaveUniqueItems("no event twice").And.BeEquivalentTo(hooks.Select(h => h.Event), "every event once");
        foreach (var delivery in ids)
        {
            accepted.Where(a => a.DeliveryId == delivery).Select(a => a.EventId).Should().Equal(hooks.Where(h => h.Delivery == delivery).Select(h => h.Event), "a delivery's events arrive in the order of its steps");
        }

        Report.Add(new Report.Row("4. SMTP and webhook outage", $"{deliveries} deliveries × {Path.Length + 1} steps, 8 clients", $"SMTP and receiver down {(FaultScale.Full ? 30 : 5)} s mid-run",
            $"{ledger.Count} steps, {mails.Count} mails, {hooks.Count} webhooks", 0, 0, DateTime.UtcNow - started));
    }

    private sealed class OutageHost(TestSmtpServer smtp, TestWebhookReceiver hooks) : HostProcess
    {
        protected override void Configure(IDictionary<string, string?> environment)
        {
            environment["Smtp__Host"] = "127.0.0.1";
            environment["Smtp__Port"] = smtp.Port.ToString(CultureInfo.InvariantCulture);
            environment["Webhooks__Endpoints__0__Url"] = hooks.Url;
            environment["Webhooks__Endpoints__0__Secret"] = hooks.Secret;
            environment["Notifications__MaxAttempts"] = "1000";
            environment["Notifications__RetryBaseDelay"] = "00:00:00.5";
            environment["Notifications__MaxRetryDelay"] = "00:00:02";
            environment["Notifications__PollInterval"] = "00:00:01";
        }
    }
}
