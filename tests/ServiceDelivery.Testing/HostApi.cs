using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace ServiceDelivery.Testing;

/// <summary>The host's HTTP API as the marketplace, a buyer, a provider and the platform call it (development tokens).</summary>
public static class HostApi
{
    /// <summary>A provider organisation of a test's orders.</summary>
    public sealed record Provider(string Id, string Name, string Email);

    public static readonly Provider DefaultProvider = new("p-2001", "云迁科技", "ops@provider.example");

    private static readonly Dictionary<string, object> Forms = new(StringComparer.Ordinal)
    {
        ["submit_requirement"] = new { description = "把 MySQL 5.7 迁移到云数据库" },
        ["confirm_requirement"] = new { note = "已确认" },
        ["reject_requirement"] = new { reason = "需求超出服务范围" },
        ["post_progress"] = new { note = "已完成数据同步" },
        ["submit_for_acceptance"] = new { details = "迁移完成，校验通过" },
        ["reject_delivery"] = new { details = "数据校验有差异" },
        ["request_refund"] = new { reasonCode = "no_longer_needed", description = "项目取消" },
        ["approve_refund"] = new { note = "同意退款" },
    };

    private static readonly string[] BuyerActions = ["submit_requirement", "edit_requirement", "accept", "reject_delivery", "request_refund"];
    private static readonly string[] PlatformActions = ["approve_refund", "reject_refund"];

    /// <summary>Starts a delivery of <paramref name="key"/> and performs <paramref name="actions"/> (buyer's or provider's, as the process says).</summary>
    public static Task<Guid> StartDeliveryAsync(this HostProcess host, string key, string orderId, params string[] actions) =>
        host.StartDeliveryAsync(key, orderId, DefaultProvider, actions);

    /// <summary>Starts a delivery for <paramref name="provider"/> and performs <paramref name="actions"/> (each by the role that may).</summary>
    public static async Task<Guid> StartDeliveryAsync(this HostProcess host, string key, string orderId, Provider provider, params string[] actions)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(provider);
        using var http = new HttpClient { BaseAddress = new Uri(host.BaseUrl) };
        var marketplace = await TokenAsync(http, new { sub = "marketplace", name = "云市场", roles = new[] { "marketplace" } });
        var started = await SendAsync(http, marketplace, "/api/v1/deliveries", Order(orderId, key, provider));
        var id = started.GetProperty("id").GetGuid();
        foreach (var action in actions)
        {
            await host.ActAsync(id, action, provider);
        }

        return id;
    }

    /// <summary>A paid order of buyer u-1001 as the marketplace sends it.</summary>
    public static object Order(string orderId, string? key = null, Provider? provider = null)
    {
        provider ??= DefaultProvider;
        return new
        {
            orderId,
            product = new { id = "prod-db-migration", name = "数据库迁移服务", spec = "标准版" },
            buyer = new { id = "u-1001", name = "张三", email = "buyer@example.com" },
            provider = new { id = provider.Id, name = provider.Name, email = provider.Email },
            paidAmount = 1200.00m,
            couponAmount = 0m,
            currency = "CNY",
            paidAt = "2026-11-26T10:00:00Z",
            definitionKey = key,
        };
    }

    /// <summary>A valid form of <paramref name="action"/> in the shipped process (empty when it needs none).</summary>
    public static object Form(string action) => Forms.GetValueOrDefault(action) ?? new { };

    /// <summary>Performs <paramref name="action"/> as the buyer, the provider's staff or the platform, whoever the shipped process lets do it.</summary>
    public static async Task ActAsync(this HostProcess host, Guid id, string action, Provider? provider = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        using var http = new HttpClient { BaseAddress = new Uri(host.BaseUrl) };
        var token = await TokenForAsync(http, action, provider ?? DefaultProvider);
        await SendAsync(http, token, $"/api/v1/deliveries/{id}/actions/{action}", Forms.GetValueOrDefault(action) ?? new { });
    }

    /// <summary>Performs <paramref name="action"/> with <paramref name="form"/> as whoever the shipped process lets do it.</summary>
    public static async Task ActAsync(this HostProcess host, Guid id, string action, object form)
    {
        ArgumentNullException.ThrowIfNull(host);
        using var http = new HttpClient { BaseAddress = new Uri(host.BaseUrl) };
        await SendAsync(http, await TokenForAsync(http, action, DefaultProvider), $"/api/v1/deliveries/{id}/actions/{action}", form);
    }

    /// <summary>The marketplace reports the order's invoice status (none, requested, issued, returned).</summary>
    public static async Task SetInvoiceAsync(this HostProcess host, Guid id, string status)
    {
        ArgumentNullException.ThrowIfNull(host);
        using var http = new HttpClient { BaseAddress = new Uri(host.BaseUrl) };
        var marketplace = await TokenAsync(http, new { sub = "marketplace", name = "云市场", roles = new[] { "marketplace" } });
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/deliveries/{id}/invoice") { Content = JsonContent.Create(new { status }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", marketplace);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The platform answers (and optionally resolves) a ticket.</summary>
    public static async Task AnswerTicketAsync(this HostProcess host, Guid ticketId, string body, string? outcome = null, decimal? amount = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        using var http = new HttpClient { BaseAddress = new Uri(host.BaseUrl) };
        var platform = await TokenAsync(http, new { sub = "op-3001", name = "王五（云市场服务监管）", roles = new[] { "platform" } });
        await SendAsync(http, platform, $"/api/v1/tickets/{ticketId}/messages", new { body });
        if (outcome is not null)
        {
            await SendAsync(http, platform, $"/api/v1/tickets/{ticketId}/resolve", new { outcome, amount, note = body });
        }
    }

    /// <summary>Opens a ticket on a delivery as its buyer.</summary>
    public static async Task<Guid> OpenTicketAsync(this HostProcess host, Guid id, string category, string subject)
    {
        ArgumentNullException.ThrowIfNull(host);
        using var http = new HttpClient { BaseAddress = new Uri(host.BaseUrl) };
        var buyer = await TokenForAsync(http, "accept", DefaultProvider);
        var ticket = await SendAsync(http, buyer, $"/api/v1/deliveries/{id}/tickets", new { category, subject, description = subject + "：请平台介入" });
        return ticket.GetProperty("id").GetGuid();
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

    /// <summary>The platform signs an anchor now over everything written since the last one (POST /api/v1/log/anchors).</summary>
    public static async Task AnchorNowAsync(this HostProcess host)
    {
        ArgumentNullException.ThrowIfNull(host);
        using var http = new HttpClient { BaseAddress = new Uri(host.BaseUrl) };
        var platform = await TokenAsync(http, new { sub = "op-3001", name = "王五（云市场服务监管）", roles = new[] { "platform" } });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/log/anchors");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", platform);
        using var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"/api/v1/log/anchors: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static Task<string> TokenForAsync(HttpClient http, string action, Provider provider) =>
        BuyerActions.Contains(action) ? TokenAsync(http, new { sub = "u-1001", name = "张三", email = "buyer@example.com", roles = new[] { "buyer" } })
        : PlatformActions.Contains(action) ? TokenAsync(http, new { sub = "op-3001", name = "王五（云市场服务监管）", roles = new[] { "platform" } })
        : TokenAsync(http, new { sub = "s-" + provider.Id, name = "李四", roles = new[] { "provider" }, providerId = provider.Id });

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
