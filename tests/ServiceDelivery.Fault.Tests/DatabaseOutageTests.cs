using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Fault.Tests;

/// <summary>
/// Scenario 3 of the fault suite: the database goes away under load (every connection of both hosts dropped, new
/// ones refused) and comes back. Meanwhile requests answer 503 with problem details at once and /health/ready is
/// 503; afterwards both hosts serve again without a restart, and no acknowledged change is missing or doubled.
/// </summary>
public sealed class DatabaseOutageTests : IAsyncLifetime
{
    private static readonly string[] Path = ["submit_requirement", "confirm_requirement", "post_progress", "submit_for_acceptance", "accept"];

    private TcpOutageProxy _proxy = null!;
    private ProxiedHost _first = null!;
    private ProxiedHost _second = null!;

    public async Task InitializeAsync()
    {
        var database = await TestDatabase.CreateAsync("outage");
        var server = new NpgsqlConnectionStringBuilder(database);
        _proxy = TcpOutageProxy.Start(server.Host!, server.Port);
        _first = new ProxiedHost(database, _proxy.Port);
        _second = new ProxiedHost(database, _proxy.Port);
        await Task.WhenAll(_first.InitializeAsync(), _second.InitializeAsync());
    }

    public async Task DisposeAsync()
    {
        await _second.DisposeAsync();
        await _first.DisposeAsync();
        await _proxy.DisposeAsync();
    }

    [Fact]
    public async Task During_an_outage_requests_get_503_at_once_and_afterwards_both_hosts_serve_again_with_every_acknowledged_step_kept()
    {
        var outage = TimeSpan.FromSeconds(FaultScale.Full ? 30 : 8);
        var started = Stopwatch.StartNew();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var marketplace = await TokenAsync(http, new { sub = "marketplace", name = "云市场", roles = new[] { "marketplace" } });
        var buyer = await TokenAsync(http, new { sub = "u-1001", name = "张三", email = "buyer@example.com", roles = new[] { "buyer" } });
        var provider = await TokenAsync(http, new { sub = "s-2001", name = "李四", roles = new[] { "provider" }, providerId = "p-2001" });
        var hosts = new[] { _first.BaseUrl, _second.BaseUrl };

        var acknowledged = new ConcurrentBag<(Guid Delivery, string Action)>();
        var statuses = new ConcurrentDictionary<int, int>();
        var unexpected = new ConcurrentQueue<string>();
        var slowest = TimeSpan.Zero;
        var cut = false;
        var stop = new CancellationTokenSource();

        async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(int client, int n, string token, string path, object body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, hosts[(client + n) % 2] + path) { Content = JsonContent.Create(body) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var watch = Stopwatch.StartNew();
            using var response = await http.SendAsync(request);
            watch.Stop();
            lock (statuses)
            {
                slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
            }

            statuses.AddOrUpdate((int)response.StatusCode, 1, (_, c) => c + 1);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                if (response.Content.Headers.ContentType?.MediaType != "application/problem+json" || !text.Contains("\"service_unavailable\"", StringComparison.Ordinal))
                {
                    unexpected.Enqueue("503 without problem details: " + text);
                }
                else if (response.Headers.RetryAfter is null)
                {
                    unexpected.Enqueue("503 without Retry-After: " + text);
                }
            }
            else if ((int)response.StatusCode >= 400)
            {
                unexpected.Enqueue($"{(int)response.StatusCode} {path} (outage: {cut}): {text}");
            }

            return (response.StatusCode, text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default);
        }

        // Eight clients run whole deliveries, each step once; a step refused with 503 is not retried (not acknowledged).
        var clients = Enumerable.Range(0, 8).Select(client => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var (status, body) = await SendAsync(client, n, marketplace, "/api/v1/deliveries", HostApi.Order($"DBO-{client}-{n:D5}"));
                if (status != HttpStatusCode.Created)
                {
                    await Task.Delay(200);
                    continue;
                }

                var id = body.GetProperty("id").GetGuid();
                acknowledged.Add((id, "start"));
                foreach (var action in Path)
                {
                    var token = action is "submit_requirement" or "accept" ? buyer : provider;
                    var (done, _) = await SendAsync(client, n, token, $"/api/v1/deliveries/{id}/actions/{action}", HostApi.Form(action));
                    if (done != HttpStatusCode.OK)
                    {
                        break;
                    }

                    acknowledged.Add((id, action));
                }
            }
        })).ToArray();

        await Task.Delay(TimeSpan.FromSeconds(3));
        var before = acknowledged.Count;
        _proxy.Cut();
        cut = true;
        await Task.Delay(TimeSpan.FromSeconds(1));
        foreach (var host in hosts)
        {
            (await http.GetAsync(host + "/health/ready")).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, "readiness tells the balancer");
        }

        await Task.Delay(outage - TimeSpan.FromSeconds(1));
        var during = acknowledged.Count;
        _proxy.Restore();
        cut = false;
        var recovered = Stopwatch.StartNew();
        foreach (var host in hosts)
        {
            while ((await http.GetAsync(host + "/health/ready")).StatusCode != HttpStatusCode.OK)
            {
                recovered.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), "a host recovers without a restart");
                await Task.Delay(200);
            }
        }

        await Task.Delay(TimeSpan.FromSeconds(3));
        await stop.CancelAsync();
        await Task.WhenAll(clients);

        statuses.GetValueOrDefault(503).Should().BeGreaterThan(0, "requests during the outage were refused");
        unexpected.Should().BeEmpty("an outage is a 503 with problem details, never a 500; the hosts logged:\n{0}",
            string.Join('\n', (_first.Log + _second.Log).Split('\n').Where(l => l.Contains("Exception", StringComparison.Ordinal)).Distinct().Take(30)));
        // The hosts keep Npgsql's connect timeout (15 s); a refused connection must answer well inside it.
        slowest.Should().BeLessThan(TimeSpan.FromSeconds(10), "no request hangs while the database is away");
        acknowledged.Count.Should().BeGreaterThan(during, "the hosts serve again afterwards");
        during.Should().BeGreaterThan(0);
        before.Should().BeGreaterThan(0);

        await using var db = TestDatabase.Context(_first.ConnectionString);
        var ids = acknowledged.Select(a => a.Delivery).Distinct().ToList();
        var log = await db.ProcessLog.AsNoTracking().Where(l => ids.Contains(l.DeliveryId)).Select(l => new { l.DeliveryId, l.Action }).ToListAsync();
        var steps = log.Select(l => (l.DeliveryId, l.Action)).ToHashSet();
        var lost = acknowledged.Count(a => !steps.Contains(a));
        var doubled = log.GroupBy(l => (l.DeliveryId, l.Action)).Count(g => g.Count() > 1);
        lost.Should().Be(0, "every acknowledged step is in the log");
        doubled.Should().Be(0, "no step twice");

        Report.Add(new Report.Row("3. Database outage", "2 hosts, 8 clients running whole deliveries", $"every database connection cut, new ones refused for {outage.TotalSeconds:0} s",
            $"{acknowledged.Count} steps ({statuses.GetValueOrDefault(503)} × 503 during the outage, slowest answer {slowest.TotalMilliseconds:0} ms)", lost, doubled, started.Elapsed));
    }



    private async Task<string> TokenAsync(HttpClient http, object identity)
    {
        // Tokens are signed with the shared key, not stored: one from either host works on both.
        using var response = await http.PostAsJsonAsync(_first.BaseUrl + "/api/v1/dev/tokens", identity);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    /// <summary>A host whose database connections go through the proxy; several share one database.</summary>
    private sealed class ProxiedHost(string database, int proxyPort) : HostProcess
    {
        protected override Task<string> CreateDatabaseAsync() => Task.FromResult(database);

        protected override string HostConnectionString(string connectionString) =>
            new NpgsqlConnectionStringBuilder(connectionString) { Host = "127.0.0.1", Port = proxyPort }.ConnectionString;
    }
}
