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

        // Nothing was killed here: every mail and webhook arrived exactly once.
        var (mails, webhooks, resent) = await Delivered.CheckAsync(db, _smtp, _hooks, ids);
        resent.Should().Be(0, "no message twice");

        Report.Add(new Report.Row("4. SMTP and webhook outage", $"{deliveries} deliveries × {Path.Length + 1} steps, 8 clients", $"SMTP and receiver down {(FaultScale.Full ? 30 : 5)} s mid-run",
            $"{ledger.Count} steps, {mails} mails, {webhooks} webhooks", 0, 0, DateTime.UtcNow - started));
    }

    private sealed class OutageHost(TestSmtpServer smtp, TestWebhookReceiver hooks) : HostProcess
    {
        protected override void Configure(IDictionary<string, string?> environment)
        {
            Delivered.SendTo(environment, smtp, hooks);
            environment["Notifications__MaxAttempts"] = "1000";
            environment["Notifications__MaxRetryDelay"] = "00:00:02";
        }
    }
}
