using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace ServiceDelivery.Testing;

/// <summary>The host's HTTP API as the marketplace, a buyer and a provider call it (development tokens).</summary>
public static class HostApi
{
    private static readonly Dictionary<string, object> Forms = new()
    {
        ["submit_requirement"] = new { description = "把 MySQL 5.7 迁移到云数据库" },
        ["confirm_requirement"] = new { note = "已确认" },
        ["submit_for_acceptance"] = new { details = "迁移完成，校验通过" },
    };

    /// <summary>Starts a delivery of <paramref name="key"/> and performs <paramref name="actions"/> (buyer's or provider's, as the process says).</summary>
    public static async Task<Guid> StartDeliveryAsync(this HostProcess host, string key, string orderId, params string[] actions)
    {
        ArgumentNullException.ThrowIfNull(host);
        using var http = new HttpClient { BaseAddress = new Uri(host.BaseUrl) };
        var marketplace = await TokenAsync(http, new { sub = "marketplace", name = "云市场", roles = new[] { "marketplace" } });
        var buyer = await TokenAsync(http, new { sub = "u-1001", name = "张三", email = "buyer@example.com", roles = new[] { "buyer" } });
        var provider = await TokenAsync(http, new { sub = "s-2001", name = "李四", roles = new[] { "provider" }, providerId = "p-2001" });
        var order = new
        {
            orderId,
            product = new { id = "prod-db-migration", name = "数据库迁移服务", spec = "标准版" },
            buyer = new { id = "u-1001", name = "张三", email = "buyer@example.com" },
            provider = new { id = "p-2001", name = "云迁科技", email = "ops@provider.example" },
            paidAmount = 1200.00m,
            couponAmount = 0m,
            currency = "CNY",
            paidAt = "2026-11-26T10:00:00Z",
            definitionKey = key,
        };
        var started = await SendAsync(http, marketplace, "/api/v1/deliveries", order);
        var id = started.GetProperty("id").GetGuid();
        foreach (var action in actions)
        {
            var token = action is "submit_requirement" or "accept" ? buyer : provider;
            await SendAsync(http, token, $"/api/v1/deliveries/{id}/actions/{action}", Forms.GetValueOrDefault(action) ?? new { });
        }

        return id;
    }

    /// <summary>Saves a definition draft over the API as another designer (d-4003), without a revision check.</summary>
    public static async Task SaveDraftAsync(this HostProcess host, string key, string json)
    {
        ArgumentNullException.ThrowIfNull(host);
        using var http = new HttpClient { BaseAddress = new Uri(host.BaseUrl) };
        var designer = await TokenAsync(http, new { sub = "d-4003", name = "孙八（流程设计）", roles = new[] { "designer" } });
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/definitions/{key}/draft") { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", designer);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    private static async Task<string> TokenAsync(HttpClient http, object identity)
    {
        using var response = await http.PostAsJsonAsync("/api/v1/dev/tokens", identity);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    private static async Task<JsonElement> SendAsync(HttpClient http, string token, string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{path}: {(int)response.StatusCode} {text}");
        }

        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
