using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Fault.Tests;

/// <summary>
/// Scenario 1 of the fault suite: two host processes behind a client-side round robin, many clients running whole
/// deliveries (some with refunds, some with tickets), every write with an Idempotency-Key and retried on the other
/// host when the connection fails. Mid-run one host gets SIGKILL and is started again. The clients' ledgers of
/// acknowledged answers are then compared with the database, the SMTP server and the webhook receiver.
/// </summary>
public sealed class KilledHostTests : IAsyncLifetime
{
    private TestSmtpServer _smtp = null!;
    private TestWebhookReceiver _hooks = null!;
    private NotifyingHost _first = null!;
    private NotifyingHost _second = null!;

    public async Task InitializeAsync()
    {
        _smtp = TestSmtpServer.Start();
        _hooks = await TestWebhookReceiver.StartAsync();
        var database = await TestDatabase.CreateAsync("killed");
        _first = new NotifyingHost(database, _smtp, _hooks);
        _second = new NotifyingHost(database, _smtp, _hooks);
        await Task.WhenAll(_first.InitializeAsync(), _second.InitializeAsync());
    }

    public async Task DisposeAsync()
    {
        await _second.DisposeAsync();
        await _first.DisposeAsync();
        await _hooks.DisposeAsync();
        await _smtp.DisposeAsync();
    }

    [Fact]
    public async Task Every_acknowledged_step_mail_and_webhook_is_there_exactly_once_after_a_host_is_killed_mid_run()
    {
        var clients = FaultScale.Full ? 200 : 24;
        var run = TimeSpan.FromSeconds(FaultScale.Full ? 60 : 14);
        var watch = Stopwatch.StartNew();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromSeconds(5) }) { Timeout = TimeSpan.FromSeconds(30) };
        var tokens = new Dictionary<string, string>
        {
            ["marketplace"] = await TokenAsync(http, new { sub = "marketplace", name = "云市场", roles = new[] { "marketplace" } }),
            ["buyer"] = await TokenAsync(http, new { sub = "u-1001", name = "张三", email = "buyer@example.com", roles = new[] { "buyer" } }),
            ["provider"] = await TokenAsync(http, new { sub = "s-2001", name = "李四", roles = new[] { "provider" }, providerId = "p-2001" }),
            ["platform"] = await TokenAsync(http, new { sub = "op-1", name = "王五", roles = new[] { "platform" } }),
        };
        var hosts = new[] { _first, _second };
        var ledger = new ConcurrentBag<(Guid Delivery, string Step)>();
        var retries = 0;
        var refused = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource(run);

        // One write: the same Idempotency-Key on every try; a broken connection goes to the other host.
        async Task<JsonElement?> WriteAsync(int client, string role, string path, object body)
        {
            var key = Guid.NewGuid().ToString();
            for (var attempt = 0; attempt < 60; attempt++)
            {
                var host = hosts[(client + attempt) % 2];
                using var request = new HttpRequestMessage(HttpMethod.Post, host.BaseUrl + path) { Content = JsonContent.Create(body) };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[role]);
                request.Headers.Add("Idempotency-Key", key);
                try
                {
                    using var response = await http.SendAsync(request);
                    var text = await response.Content.ReadAsStringAsync();
                    if (response.IsSuccessStatusCode)
                    {
                        return JsonDocument.Parse(text).RootElement.Clone();
                    }

                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                    {
                        Interlocked.Increment(ref retries);
                        await Task.Delay(200);
                        continue;
                    }

                    refused.Enqueue($"{(int)response.StatusCode} {path}: {text}");
                    return null;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref retries);
                    await Task.Delay(200);
                }
            }

            refused.Enqueue($"gave up on {path}");
            return null;
        }

        var work = Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var order = $"KILL-{client:D3}-{n:D4}";
                var started = await WriteAsync(client, "marketplace", "/api/v1/deliveries", HostApi.Order(order));
                if (started is not { } delivery)
                {
                    continue;
                }

                var id = delivery.GetProperty("id").GetGuid();
                ledger.Add((id, "start"));
                string[] path = (client % 5) switch
                {
                    0 => ["buyer:submit_requirement", "buyer:request_refund", "platform:approve_refund"],
                    1 => ["buyer:submit_requirement", "provider:confirm_requirement", "ticket", "provider:submit_for_acceptance", "buyer:accept"],
                    _ => ["buyer:submit_requirement", "provider:confirm_requirement", "provider:post_progress", "provider:submit_for_acceptance", "buyer:accept"],
                };
                foreach (var step in path)
                {
                    var done = step == "ticket"
                        ? await WriteAsync(client, "buyer", $"/api/v1/deliveries/{id}/tickets", new { category = "other", subject = "发票", description = "请开发票" })
                        : await WriteAsync(client, step.Split(':')[0], $"/api/v1/deliveries/{id}/actions/{step.Split(':')[1]}", HostApi.Form(step.Split(':')[1]));
                    if (done is null)
                    {
                        break;
                    }

                    ledger.Add((id, step == "ticket" ? "ticket" : step.Split(':')[1]));
                }
            }
        })).ToArray();

        await Task.Delay(run / 3);
        _first.Kill();
        var killedAfter = watch.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(2));
        await _first.RestartAsync();
        await Task.WhenAll(work);

        await using var db = TestDatabase.Context(_first.ConnectionString);
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (await db.Outbox.AsNoTracking().AnyAsync(o => o.Status != "sent"))
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "every mail and webhook goes out");
            await Task.Delay(500);
        }

        await Task.Delay(2000); // a duplicate would arrive now
        refused.Should().BeEmpty("no write is refused; a lost connection is retried with its key");

        var ids = ledger.Select(l => l.Delivery).Distinct().ToList();
        var log = await db.ProcessLog.AsNoTracking().Where(l => ids.Contains(l.DeliveryId)).Select(l => new { l.DeliveryId, l.Action }).ToListAsync();
        var tickets = await db.Tickets.AsNoTracking().Where(t => ids.Contains(t.DeliveryId)).Select(t => t.DeliveryId).ToListAsync();
        var stored = log.Select(l => (l.DeliveryId, l.Action)).Concat(tickets.Select(t => (t, "ticket"))).ToList();
        var lost = ledger.Count(a => !stored.Contains(a));
        var doubled = stored.GroupBy(s => s).Count(g => g.Count() > 1);
        lost.Should().Be(0, "every acknowledged step is in the database");
        doubled.Should().Be(0, "no step twice, whatever the retries");

        // The kill left no half-written chain: every delivery's history verifies (hash chain, head, attachments).
        var broken = new List<string>();
        foreach (var id in ids)
        {
            using var verify = new HttpRequestMessage(HttpMethod.Get, $"{_second.BaseUrl}/api/v1/deliveries/{id}/log/verify");
            verify.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens["platform"]);
            using var answer = await http.SendAsync(verify);
            var result = await answer.Content.ReadFromJsonAsync<JsonElement>();
            if (!answer.IsSuccessStatusCode || !result.GetProperty("valid").GetBoolean())
            {
                broken.Add($"{id}: {(int)answer.StatusCode} {result}");
            }
        }

        broken.Should().BeEmpty("an untouched delivery verifies after the killed-host run");

        // A message a killed host handed over but did not record as sent goes again with the same Message-Id / event
        // id, which receivers drop (at-least-once with stable ids): every id arrives, and only such re-sends repeat one.
        var (mails, webhooks, resent) = await Delivered.CheckAsync(db, _smtp, _hooks, ids);
        // Bounded by what the two hosts' senders can hold claimed at one time (two loops each, a batch each): the
        // killed host's claims, and a batch whose short lease ran out under load. A systematic repeat would exceed it.
        var claimable = 2 * 2 * ServiceDelivery.Application.Outbox.OutboxDispatcher.DefaultBatchSize;
        resent.Should().BeLessThan(Math.Max(clients * 4, claimable), "only what was in flight at the kill, or outlived the short lease under load, goes twice");

        Report.Add(new Report.Row("1. Two hosts, one killed", $"{clients} clients × whole deliveries for {run.TotalSeconds:0} s (refunds, tickets), round robin",
            $"SIGKILL of one host at {killedAfter.TotalSeconds:0} s, restarted 2 s later; {retries} retried requests",
            $"{ledger.Count} steps, {mails} mails, {webhooks} webhooks ({resent} re-sent under the same id after the kill)", lost, doubled, watch.Elapsed));
    }

    private async Task<string> TokenAsync(HttpClient http, object identity)
    {
        using var response = await http.PostAsJsonAsync(_first.BaseUrl + "/api/v1/dev/tokens", identity);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }



    /// <summary>A host on a shared database, mailing the test's SMTP server and posting to its webhook receiver.</summary>
    private sealed class NotifyingHost(string database, TestSmtpServer smtp, TestWebhookReceiver hooks) : HostProcess
    {
        protected override Task<string> CreateDatabaseAsync() => Task.FromResult(database);

        protected override void Configure(IDictionary<string, string?> environment)
        {
            Delivered.SendTo(environment, smtp, hooks);
            // A message a killed host had claimed is taken over once its lease ends: short here, so the test sees it.
            environment["Notifications__Lease"] = "00:00:10";
            environment["Notifications__SendTimeout"] = "00:00:05";
        }
    }
}
