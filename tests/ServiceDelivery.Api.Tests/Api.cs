using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Persistence;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Api.Tests;

/// <summary>An HTTP answer: status, headers, and the body as JSON (when there is one).</summary>
public sealed record Answer(HttpStatusCode Status, JsonElement Body, HttpResponseHeaders Headers, string? ContentType)
{
    public string? Code => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("code", out var code) ? code.GetString() : null;

    public string Str(string property) => Body.GetProperty(property).GetString()!;

    public Answer ShouldBe(HttpStatusCode status, string? code = null)
    {
        Status.Should().Be(status, Body.ToString());
        if (code is not null)
        {
            Code.Should().Be(code, Body.ToString());
            ContentType.Should().Be("application/problem+json");
        }

        return this;
    }
}

/// <summary>The API as one caller sees it, over real HTTP into the test host.</summary>
public sealed class Api(HttpClient client)
{
    public static readonly Caller Marketplace = Caller.Of("marketplace", "云市场", Caller.Marketplace);
    public static readonly Caller Buyer = new("u-1001", "张三", "buyer@example.com", new HashSet<string> { Caller.Buyer });
    public static readonly Caller OtherBuyer = Caller.Of("u-9999", "赵六", Caller.Buyer);
    public static readonly Caller Provider = Caller.ProviderStaff("s-2001", "李四", "p-2001");
    public static readonly Caller OtherProvider = Caller.ProviderStaff("s-9001", "别家", "p-9999");
    public static readonly Caller Platform = Caller.Of("op-1", "王五", Caller.Platform);
    public static readonly Caller Designer = Caller.Of("d-1", "设计师", Caller.Designer);

    public HttpClient Client { get; } = client;

    public static object Order(string orderId, decimal paid = 1200.00m) => new
    {
        orderId,
        product = new { id = "prod-db-migration", name = "数据库迁移服务", spec = "标准版" },
        buyer = new { id = "u-1001", name = "张三", email = "buyer@example.com" },
        provider = new { id = "p-2001", name = "云迁科技", email = "ops@provider.example" },
        paidAmount = paid,
        couponAmount = 100.00m,
        currency = "CNY",
        paidAt = "2026-11-26T10:00:00Z",
        definitionKey = "manual-service-delivery",
    };

    public static readonly IReadOnlyDictionary<string, object> Forms = new Dictionary<string, object>
    {
        ["submit_requirement"] = new { description = "把 MySQL 5.7 迁移到云数据库", attachmentIds = Array.Empty<Guid>() },
        ["edit_requirement"] = new { description = "把 MySQL 5.7 迁移到云数据库，保留 binlog" },
        ["confirm_requirement"] = new { note = "已确认" },
        ["reject_requirement"] = new { reason = "需求超出服务范围" },
        ["post_progress"] = new { note = "已完成全量迁移" },
        ["submit_for_acceptance"] = new { details = "迁移完成，校验通过" },
        ["accept"] = new { details = "验收通过" },
        ["reject_delivery"] = new { details = "增量同步未完成" },
        ["request_refund"] = new { reasonCode = "no_longer_needed", description = "项目取消" },
        ["approve_refund"] = new { note = "同意退款" },
        ["reject_refund"] = new { note = "服务商已开始工作" },
    };

    public Task<Answer> GetAsync(string url) => SendAsync(new HttpRequestMessage(HttpMethod.Get, url));

    public Task<Answer> PostAsync(string url, object? body, params (string Name, string Value)[] headers) => SendAsync(Json(HttpMethod.Post, url, body, headers));

    public Task<Answer> PutAsync(string url, object? body, params (string Name, string Value)[] headers) => SendAsync(Json(HttpMethod.Put, url, body, headers));

    public Task<Answer> RawAsync(HttpMethod method, string url, string body, string contentType) =>
        SendAsync(new HttpRequestMessage(method, url) { Content = new StringContent(body, Encoding.UTF8, contentType) });

    public async Task<Answer> SendAsync(HttpRequestMessage request)
    {
        using (request)
        {
            using var response = await Client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var body = text.Length > 0 && (response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) ?? false)
                ? JsonDocument.Parse(text).RootElement.Clone()
                : JsonSerializer.SerializeToElement(text);
            var headers = response.Headers;
            return new Answer(response.StatusCode, body, headers, response.Content.Headers.ContentType?.MediaType);
        }
    }

    public async Task<JsonElement> StartAsync(string orderId)
    {
        var answer = await PostAsync("/api/v1/deliveries", Order(orderId));
        answer.ShouldBe(HttpStatusCode.Created);
        return answer.Body;
    }

    public Task<Answer> ActAsync(Guid id, string action, object? body = null, params (string Name, string Value)[] headers) =>
        PostAsync($"/api/v1/deliveries/{id}/actions/{action}", body ?? Forms[action], headers);

    public async Task<Answer> UploadAsync(string fileName, byte[] content, string field = "file")
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, field, fileName);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/attachments") { Content = form };
        return await SendAsync(request);
    }

    private static HttpRequestMessage Json(HttpMethod method, string url, object? body, (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }
}

/// <summary>A host plus a client per role, and direct access to its database for "nothing changed" checks.</summary>
public sealed class ApiFixture : IAsyncDisposable
{
    private readonly Dictionary<string, Api> _clients = [];
    private int _orders;

    private ApiFixture(HostFactory host) => Host = host;

    public HostFactory Host { get; }

    public static async Task<ApiFixture> CreateAsync(IDictionary<string, string?>? settings = null)
    {
        var fixture = new ApiFixture(await HostFactory.CreateAsync(settings));
        _ = fixture.Host.Services;
        return fixture;
    }

    public Api As(Caller? caller, string? language = null)
    {
        var key = (caller?.Id ?? "anonymous") + "|" + string.Join(",", caller?.Roles.Order() ?? Enumerable.Empty<string>()) + "|" + language;
        if (!_clients.TryGetValue(key, out var api))
        {
            api = new Api(Host.ClientFor(caller, language));
            _clients[key] = api;
        }

        return api;
    }

    public string NextOrder() => $"ORD-{Interlocked.Increment(ref _orders):D5}";

    /// <summary>A new delivery driven over HTTP to <paramref name="stage"/>; returns its id.</summary>
    public async Task<Guid> AtAsync(string stage)
    {
        var id = (await As(Api.Marketplace).StartAsync(NextOrder())).GetProperty("id").GetGuid();
        foreach (var (caller, action) in PathTo(stage))
        {
            (await As(caller).ActAsync(id, action)).ShouldBe(HttpStatusCode.OK);
        }

        return id;
    }

    public static IEnumerable<(Caller, string)> PathTo(string stage) => stage switch
    {
        "requirement_pending" => [],
        "requirement_confirming" => [(Api.Buyer, "submit_requirement")],
        "requirement_rejected" => [.. PathTo("requirement_confirming"), (Api.Provider, "reject_requirement")],
        "implementing" => [.. PathTo("requirement_confirming"), (Api.Provider, "confirm_requirement")],
        "accepting" => [.. PathTo("implementing"), (Api.Provider, "submit_for_acceptance")],
        "completed" => [.. PathTo("accepting"), (Api.Buyer, "accept")],
        "refunding" => [(Api.Buyer, "request_refund")],
        "refunded" => [.. PathTo("refunding"), (Api.Platform, "approve_refund")],
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, null),
    };

    public ServiceDeliveryDbContext Db() => TestDatabase.Context(Host.ConnectionString);

    /// <summary>A fingerprint of everything a request could have written, to prove a refused one wrote nothing.</summary>
    public async Task<string> SnapshotAsync()
    {
        await using var db = Db();
        var deliveries = await db.Deliveries.OrderBy(d => d.Id).Select(d => d.Id + ":" + d.Version + ":" + d.Stage + ":" + d.InvoiceStatus).ToListAsync();
        return string.Join('|', deliveries) + "#" + await db.ProcessLog.CountAsync() + "#" + await db.Tasks.CountAsync() + "#" + await db.Timers.CountAsync()
            + "#" + await db.Outbox.CountAsync() + "#" + await db.Tickets.CountAsync() + "#" + await db.TicketMessages.CountAsync()
            + "#" + await db.Attachments.CountAsync() + "#" + await db.IdempotencyKeys.CountAsync() + "#" + await db.DefinitionDrafts.CountAsync()
            + "#" + await db.DefinitionVersions.CountAsync();
    }

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();
}
