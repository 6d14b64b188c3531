using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace ServiceDelivery.ActionLoad;

/// <summary>
/// The mixed workload of one phase: every client loops over post_progress on a prepared delivery in 实施中, the next
/// step of its own delivery from start to acceptance, and inbox reads, each request with a 2 s time-out.
/// </summary>
internal sealed class Workload(HttpClient http, Tokens tokens, IReadOnlyList<Prepared> implementing, string phase)
{
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(2);

    public Stats Progress { get; } = new();

    public Stats FlowSteps { get; } = new();

    public Stats Inbox { get; } = new();

    public int CompletedFlows => _completedFlows;

    private int _completedFlows;

    public async Task RunAsync(int clients, TimeSpan duration)
    {
        using var stop = new CancellationTokenSource(duration);
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(() => ClientAsync(c, stop.Token))));
    }

    private async Task ClientAsync(int client, CancellationToken stop)
    {
        var random = new Random(client * 7919 + phase.GetHashCode(StringComparison.Ordinal));
        var flow = new Flow($"LOAD-{phase}-{client}", random.Next(Prepare.Buyers), random.Next(Prepare.Providers));
        while (!stop.IsCancellationRequested)
        {
            var pick = random.Next(100);
            if (pick < 60)
            {
                var target = implementing[random.Next(implementing.Count)];
                await SendAsync(Progress, HttpMethod.Post, $"deliveries/{target.Id}/actions/post_progress", tokens.Provider(target.Provider), new { note = "已完成第 3 批表的迁移与校验" });
            }
            else if (pick < 85)
            {
                await StepAsync(flow);
            }
            else
            {
                await SendAsync(Inbox, HttpMethod.Get, "tasks?limit=20", tokens.Provider(random.Next(Prepare.Providers)), null);
            }
        }
    }

    /// <summary>One step of the client's own delivery: start → requirement → confirm → submit → accept, then a new one.</summary>
    private async Task StepAsync(Flow flow)
    {
        var (path, token, body) = flow.Step switch
        {
            0 => ("deliveries", tokens.Marketplace, (object)Order(flow)),
            1 => ($"deliveries/{flow.Id}/actions/submit_requirement", tokens.Buyer(flow.Buyer), new { description = "把 MySQL 5.7 迁移到云数据库" }),
            2 => ($"deliveries/{flow.Id}/actions/confirm_requirement", tokens.Provider(flow.Provider), new { note = "确认" }),
            3 => ($"deliveries/{flow.Id}/actions/submit_for_acceptance", tokens.Provider(flow.Provider), new { details = "迁移完成，校验通过" }),
            _ => ($"deliveries/{flow.Id}/actions/accept", tokens.Buyer(flow.Buyer), (object)new { details = "验收通过" }),
        };
        var answer = await SendAsync(FlowSteps, HttpMethod.Post, path, token, body);
        if (answer is null)
        {
            return;
        }

        if (flow.Step == 0)
        {
            flow.Id = answer.Value.GetProperty("id").GetGuid();
        }

        if (++flow.Step > 4)
        {
            Interlocked.Increment(ref _completedFlows);
            flow.Next();
        }
    }

    private static object Order(Flow flow) => new
    {
        orderId = flow.OrderId,
        product = new { id = "prod-db-migration", name = "数据库迁移服务", spec = "标准版" },
        buyer = new { id = Prepare.BuyerId(flow.Buyer), name = "买家", email = "buyer@example.com" },
        provider = new { id = Prepare.ProviderId(flow.Provider), name = "服务商", email = "ops@provider.example" },
        paidAmount = 1200.00m,
        couponAmount = 100.00m,
        currency = "CNY",
        paidAt = "2026-11-26T10:00:00Z",
    };

    private async Task<JsonElement?> SendAsync(Stats stats, HttpMethod method, string path, string token, object? body)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            // With a Content-Length, as curl, wrk and the marketplace's clients send it (not chunked).
            request.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        using var timeout = new CancellationTokenSource(RequestTimeout);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await http.SendAsync(request, timeout.Token);
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                stats.Error((int)response.StatusCode);
                return null;
            }

            stats.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (OperationCanceledException)
        {
            stats.Timeout();
            return null;
        }
        catch (HttpRequestException)
        {
            stats.Error(0);
            return null;
        }
    }

    private sealed class Flow(string prefix, int buyer, int provider)
    {
        private int _n;

        public int Step { get; set; }

        public Guid Id { get; set; }

        public int Buyer { get; } = buyer;

        public int Provider { get; } = provider;

        public string OrderId => $"{prefix}-{_n}";

        public void Next()
        {
            _n++;
            Step = 0;
        }
    }
}

/// <summary>Development tokens for the marketplace, every prepared buyer and every provider organisation.</summary>
internal sealed class Tokens
{
    private static readonly string[] MarketplaceRoles = ["marketplace"];
    private static readonly string[] BuyerRoles = ["buyer"];
    private static readonly string[] ProviderRoles = ["provider"];

    private readonly string[] _buyers;
    private readonly string[] _providers;

    private Tokens(string marketplace, string[] buyers, string[] providers)
    {
        Marketplace = marketplace;
        _buyers = buyers;
        _providers = providers;
    }

    public string Marketplace { get; }

    public string Buyer(int n) => _buyers[n];

    public string Provider(int n) => _providers[n];

    public static async Task<Tokens> MintAsync(HttpClient http)
    {
        async Task<string> Mint(object body)
        {
            using var response = await http.PostAsync("dev/tokens", new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));
            response.EnsureSuccessStatusCode();
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        }

        var marketplace = await Mint(new { sub = "marketplace", name = "云市场", roles = MarketplaceRoles });
        var buyers = new string[Prepare.Buyers];
        for (var i = 0; i < buyers.Length; i++)
        {
            buyers[i] = await Mint(new { sub = Prepare.BuyerId(i), name = "买家", roles = BuyerRoles });
        }

        var providers = new string[Prepare.Providers];
        for (var i = 0; i < providers.Length; i++)
        {
            providers[i] = await Mint(new { sub = $"s-{i}", name = "服务商员工", roles = ProviderRoles, providerId = Prepare.ProviderId(i) });
        }

        return new Tokens(marketplace, buyers, providers);
    }
}
