using System.Net;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDelivery.Application.Common;
using static ServiceDelivery.Api.Tests.Api;

namespace ServiceDelivery.Api.Tests;

/// <summary>The host and what every matrix cell needs prepared, shared by the matrix's cases.</summary>
public sealed class MatrixFixture : IAsyncLifetime
{
    public ApiFixture Api { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Api = await ApiFixture.CreateAsync();

        // A second published version, so migrating to version 1 is a real migration.
        var document = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Testing.TestDatabase.WorkflowsFolder, "manual-service-delivery.json")))!;
        await Api.As(Designer).RawAsync(HttpMethod.Put, "/api/v1/definitions/manual-service-delivery/draft", document.ToJsonString(), "application/json");
        (await Api.As(Designer).PostAsync("/api/v1/definitions/manual-service-delivery/publish", null)).ShouldBe(HttpStatusCode.OK);
    }

    public async Task DisposeAsync() => await Api.DisposeAsync();
}

/// <summary>
/// Every endpoint × every role × the caller's own delivery or another party's, with the exact status. The table is
/// checked against the endpoints the app actually maps, so a new endpoint cannot be left out.
/// </summary>
public sealed class AuthorizationMatrixTests(MatrixFixture fixture) : IClassFixture<MatrixFixture>
{
    // Columns: anonymous, buyer (own), buyer (someone else's), provider staff (own), provider staff (other org),
    // platform, designer, marketplace.
    private static readonly Caller?[] Callers = [null, Buyer, OtherBuyer, Provider, OtherProvider, Platform, Designer, Marketplace];

    private static readonly Dictionary<string, int[]> Matrix = new()
    {
        ["POST /api/v1/deliveries/"] = [401, 403, 403, 403, 403, 403, 403, 201],
        ["GET /api/v1/deliveries/"] = [401, 200, 200, 200, 200, 200, 403, 200],
        ["GET /api/v1/deliveries/counts"] = [401, 200, 200, 200, 200, 200, 403, 200],
        ["GET /api/v1/deliveries/{id:guid}"] = [401, 200, 404, 200, 404, 200, 403, 200],
        ["GET /api/v1/deliveries/{id:guid}/log"] = [401, 200, 404, 200, 404, 200, 403, 200],
        ["GET /api/v1/deliveries/{id:guid}/log/verify"] = [401, 200, 404, 200, 404, 200, 403, 200],
        ["GET /api/v1/deliveries/{id:guid}/evidence"] = [401, 200, 404, 200, 404, 200, 403, 200],
        ["GET /api/v1/log/anchors/"] = [401, 403, 403, 403, 403, 200, 403, 200],
        ["POST /api/v1/log/anchors/"] = [401, 403, 403, 403, 403, 201, 403, 403],
        ["POST /api/v1/deliveries/{id:guid}/actions/{action}"] = [401, 200, 404, 403, 404, 403, 403, 403],
        ["PUT /api/v1/deliveries/{id:guid}/invoice"] = [401, 403, 403, 403, 403, 403, 403, 200],
        ["POST /api/v1/deliveries/{id:guid}/tickets/"] = [401, 201, 404, 201, 404, 403, 403, 403],
        ["GET /api/v1/deliveries/{id:guid}/tickets/"] = [401, 200, 404, 200, 404, 200, 403, 403],
        ["GET /api/v1/tickets/"] = [401, 200, 200, 200, 200, 200, 403, 403],
        ["GET /api/v1/tickets/{ticketId:guid}"] = [401, 200, 404, 200, 404, 200, 403, 403],
        ["POST /api/v1/tickets/{ticketId:guid}/messages"] = [401, 201, 404, 201, 404, 201, 403, 403],
        ["POST /api/v1/tickets/{ticketId:guid}/resolve"] = [401, 403, 403, 403, 403, 200, 403, 403],
        ["POST /api/v1/attachments/"] = [401, 201, 201, 201, 201, 201, 403, 403],
        ["GET /api/v1/attachments/{id:guid}"] = [401, 200, 404, 200, 404, 200, 403, 403],
        ["GET /api/v1/tasks"] = [401, 200, 200, 200, 200, 200, 403, 403],
        ["GET /api/v1/definitions/"] = [401, 403, 403, 403, 403, 200, 200, 403],
        ["GET /api/v1/definitions/schema"] = [401, 403, 403, 403, 403, 200, 200, 403],
        ["GET /api/v1/definitions/{key}"] = [401, 403, 403, 403, 403, 200, 200, 403],
        ["GET /api/v1/definitions/{key}/versions/{n:int}"] = [401, 403, 403, 403, 403, 200, 200, 403],
        ["POST /api/v1/definitions/validate"] = [401, 403, 403, 403, 403, 403, 200, 403],
        ["PUT /api/v1/definitions/{key}/draft"] = [401, 403, 403, 403, 403, 403, 200, 403],
        ["POST /api/v1/definitions/{key}/publish"] = [401, 403, 403, 403, 403, 403, 200, 403],
        ["POST /api/v1/deliveries/{id:guid}/admin/move"] = [401, 403, 403, 403, 403, 200, 403, 403],
        ["POST /api/v1/deliveries/{id:guid}/admin/close"] = [401, 403, 403, 403, 403, 200, 403, 403],
        ["POST /api/v1/deliveries/{id:guid}/admin/complete"] = [401, 403, 403, 403, 403, 200, 403, 403],
        ["POST /api/v1/deliveries/{id:guid}/admin/refund"] = [401, 403, 403, 403, 403, 200, 403, 403],
        ["POST /api/v1/deliveries/{id:guid}/admin/migrate"] = [401, 403, 403, 403, 403, 200, 403, 403],
        ["POST /api/v1/deliveries/{id:guid}/admin/preview"] = [401, 403, 403, 403, 403, 200, 403, 403],
        ["GET /api/v1/deliveries/{id:guid}/timers"] = [401, 200, 404, 200, 404, 200, 403, 200],
        ["GET /api/v1/deliveries/{id:guid}/tasks"] = [401, 200, 404, 200, 404, 200, 403, 200],
        ["GET /api/v1/deliveries/{id:guid}/notifications"] = [401, 403, 403, 403, 403, 200, 403, 403],
        ["GET /api/v1/operations/overview"] = [401, 403, 403, 403, 403, 200, 403, 403],
        ["GET /api/v1/operations/providers"] = [401, 403, 403, 403, 403, 200, 403, 403],
        ["GET /api/v1/operations/sessions"] = [401, 403, 403, 403, 403, 200, 403, 403],
        ["POST /api/v1/operations/sessions/revoke"] = [401, 403, 403, 403, 403, 200, 403, 403],
        ["POST /api/v1/notifications/retry"] = [401, 403, 403, 403, 403, 200, 403, 403],
        ["GET /api/v1/notifications/"] = [401, 403, 403, 403, 403, 200, 403, 403],
        ["POST /api/v1/notifications/{id:long}/retry"] = [401, 403, 403, 403, 403, 200, 403, 403],
        ["POST /api/v1/dev/tokens"] = [200, 200, 200, 200, 200, 200, 200, 200],
        ["GET /api/v1/dev/clock"] = [401, 403, 403, 403, 403, 200, 403, 403],
        ["POST /api/v1/dev/clock/advance"] = [401, 403, 403, 403, 403, 200, 403, 403],
        ["GET /health/live"] = [200, 200, 200, 200, 200, 200, 200, 200],
        ["GET /health/ready"] = [200, 200, 200, 200, 200, 200, 200, 200],
        ["GET /openapi/{documentName}.json"] = [200, 200, 200, 200, 200, 200, 200, 200],
        ["GET /scalar/{documentName?}"] = [200, 200, 200, 200, 200, 200, 200, 200],
        ["GET /scalar/scalar.js"] = [200, 200, 200, 200, 200, 200, 200, 200],
        ["GET /scalar/scalar.aspnetcore.js"] = [200, 200, 200, 200, 200, 200, 200, 200],
        ["GET /scalar/favicon.svg"] = [200, 200, 200, 200, 200, 200, 200, 200],
    };

    public static TheoryData<string, int> Cells()
    {
        var data = new TheoryData<string, int>();
        foreach (var endpoint in Matrix.Keys)
        {
            for (var column = 0; column < Callers.Length; column++)
            {
                data.Add(endpoint, column);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task Each_endpoint_answers_each_role_with_the_exact_status(string endpoint, int column)
    {
        var caller = Callers[column];
        var request = await PrepareAsync(endpoint);

        var answer = await fixture.Api.As(caller).SendAsync(request);

        ((int)answer.Status).Should().Be(Matrix[endpoint][column], $"{endpoint} as {caller?.Id ?? "anonymous"}: {answer.Body}");
        if ((int)answer.Status >= 400)
        {
            answer.ContentType.Should().Be("application/problem+json");
            answer.Code.Should().NotBeNullOrEmpty();
        }
    }

    [Fact]
    public void The_matrix_lists_every_endpoint_the_app_maps()
    {
        var mapped = fixture.Api.Host.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => $"{m} {Normalize(e.RoutePattern.RawText!)}"))
            .Distinct()
            // The web pages (and their static files) sign in with a cookie; their access is the browser tests' part.
            .Where(e => e.Split(' ')[1] is var path && (path.StartsWith("/api/", StringComparison.Ordinal) || path.StartsWith("/health", StringComparison.Ordinal)
                || path.StartsWith("/openapi", StringComparison.Ordinal) || path.StartsWith("/scalar", StringComparison.Ordinal)))
            .ToList();

        Matrix.Keys.Should().BeEquivalentTo(mapped);
    }

    private static string Normalize(string pattern) => pattern.StartsWith('/') ? pattern : "/" + pattern;

    /// <summary>A fresh request for one cell, with whatever it needs created first (by the right owners).</summary>
    private async Task<HttpRequestMessage> PrepareAsync(string endpoint)
    {
        var api = fixture.Api;
        async Task<Guid> Delivery(string stage = "requirement_pending") => await api.AtAsync(stage);
        async Task<Guid> Ticket()
        {
            var id = await Delivery();
            return (await api.As(Buyer).PostAsync($"/api/v1/deliveries/{id}/tickets", new { category = "other", subject = "问题", description = "说明" })).Body.GetProperty("id").GetGuid();
        }

        static HttpRequestMessage Json(HttpMethod method, string url, object body) => new(method, url) { Content = System.Net.Http.Json.JsonContent.Create(body) };

        switch (endpoint)
        {
            case "POST /api/v1/deliveries/":
                return Json(HttpMethod.Post, "/api/v1/deliveries", Order(api.NextOrder()));
            case "GET /api/v1/deliveries/":
                return new(HttpMethod.Get, "/api/v1/deliveries");
            case "GET /api/v1/deliveries/counts":
                return new(HttpMethod.Get, "/api/v1/deliveries/counts");
            case "GET /api/v1/deliveries/{id:guid}":
                return new(HttpMethod.Get, $"/api/v1/deliveries/{await Delivery()}");
            case "GET /api/v1/deliveries/{id:guid}/log":
                return new(HttpMethod.Get, $"/api/v1/deliveries/{await Delivery()}/log");
            case "GET /api/v1/deliveries/{id:guid}/log/verify":
                return new(HttpMethod.Get, $"/api/v1/deliveries/{await Delivery()}/log/verify");
            case "GET /api/v1/deliveries/{id:guid}/evidence":
                return new(HttpMethod.Get, $"/api/v1/deliveries/{await Delivery()}/evidence");
            case "GET /api/v1/log/anchors/":
                return new(HttpMethod.Get, "/api/v1/log/anchors");
            case "POST /api/v1/log/anchors/":
                return new(HttpMethod.Post, "/api/v1/log/anchors");
            case "POST /api/v1/deliveries/{id:guid}/actions/{action}":
                return Json(HttpMethod.Post, $"/api/v1/deliveries/{await Delivery()}/actions/submit_requirement", Forms["submit_requirement"]);
            case "PUT /api/v1/deliveries/{id:guid}/invoice":
                return Json(HttpMethod.Put, $"/api/v1/deliveries/{await Delivery()}/invoice", new { status = "requested" });
            case "POST /api/v1/deliveries/{id:guid}/tickets/":
                return Json(HttpMethod.Post, $"/api/v1/deliveries/{await Delivery()}/tickets", new { category = "other", subject = "问题", description = "说明" });
            case "GET /api/v1/deliveries/{id:guid}/tickets/":
                return new(HttpMethod.Get, $"/api/v1/deliveries/{await Delivery()}/tickets");
            case "GET /api/v1/tickets/":
                return new(HttpMethod.Get, "/api/v1/tickets?status=open");
            case "GET /api/v1/tickets/{ticketId:guid}":
                return new(HttpMethod.Get, $"/api/v1/tickets/{await Ticket()}");
            case "POST /api/v1/tickets/{ticketId:guid}/messages":
                return Json(HttpMethod.Post, $"/api/v1/tickets/{await Ticket()}/messages", new { body = "补充说明" });
            case "POST /api/v1/tickets/{ticketId:guid}/resolve":
                return Json(HttpMethod.Post, $"/api/v1/tickets/{await Ticket()}/resolve", new { outcome = "no_change", note = "已处理" });
            case "POST /api/v1/attachments/":
                var form = new MultipartFormDataContent { { new ByteArrayContent("需求说明"u8.ToArray()), "file", "需求.txt" } };
                return new(HttpMethod.Post, "/api/v1/attachments") { Content = form };
            case "GET /api/v1/attachments/{id:guid}":
                var file = (await api.As(Buyer).UploadAsync("说明.txt", "附件内容"u8.ToArray())).Body.GetProperty("id").GetGuid();
                var delivery = await Delivery();
                (await api.As(Buyer).ActAsync(delivery, "submit_requirement", new { description = "见附件", attachmentIds = new[] { file } })).ShouldBe(HttpStatusCode.OK);
                return new(HttpMethod.Get, $"/api/v1/attachments/{file}");
            case "GET /api/v1/tasks":
                return new(HttpMethod.Get, "/api/v1/tasks");
            case "GET /api/v1/definitions/":
                return new(HttpMethod.Get, "/api/v1/definitions");
            case "GET /api/v1/definitions/schema":
                return new(HttpMethod.Get, "/api/v1/definitions/schema");
            case "GET /api/v1/definitions/{key}":
                return new(HttpMethod.Get, "/api/v1/definitions/manual-service-delivery");
            case "GET /api/v1/definitions/{key}/versions/{n:int}":
                return new(HttpMethod.Get, "/api/v1/definitions/manual-service-delivery/versions/1");
            case "POST /api/v1/definitions/validate":
                return new(HttpMethod.Post, "/api/v1/definitions/validate") { Content = new StringContent(Shipped(), System.Text.Encoding.UTF8, "application/json") };
            case "PUT /api/v1/definitions/{key}/draft":
                return new(HttpMethod.Put, "/api/v1/definitions/matrix-draft/draft") { Content = new StringContent(Shipped().Replace("\"manual-service-delivery\"", "\"matrix-draft\"", StringComparison.Ordinal), System.Text.Encoding.UTF8, "application/json") };
            case "POST /api/v1/definitions/{key}/publish":
                var key = "matrix-" + Guid.NewGuid().ToString("N")[..8];
                await api.As(Designer).RawAsync(HttpMethod.Put, $"/api/v1/definitions/{key}/draft", Shipped().Replace("\"manual-service-delivery\"", $"\"{key}\"", StringComparison.Ordinal), "application/json");
                return new(HttpMethod.Post, $"/api/v1/definitions/{key}/publish");
            case "POST /api/v1/deliveries/{id:guid}/admin/move":
                return Json(HttpMethod.Post, $"/api/v1/deliveries/{await Delivery()}/admin/move", new { toStage = "requirement_confirming", reason = "调整" });
            case "POST /api/v1/deliveries/{id:guid}/admin/close":
                return Json(HttpMethod.Post, $"/api/v1/deliveries/{await Delivery()}/admin/close", new { reason = "关闭" });
            case "POST /api/v1/deliveries/{id:guid}/admin/complete":
                return Json(HttpMethod.Post, $"/api/v1/deliveries/{await Delivery("accepting")}/admin/complete", new { reason = "平台确认完成" });
            case "POST /api/v1/deliveries/{id:guid}/admin/refund":
                return Json(HttpMethod.Post, $"/api/v1/deliveries/{await Delivery("accepting")}/admin/refund", new { amount = 100m, reason = "协商退款" });
            case "POST /api/v1/deliveries/{id:guid}/admin/migrate":
                return Json(HttpMethod.Post, $"/api/v1/deliveries/{await Delivery()}/admin/migrate", new { toVersion = 1, reason = "回退版本" });
            case "POST /api/v1/deliveries/{id:guid}/admin/preview":
                return Json(HttpMethod.Post, $"/api/v1/deliveries/{await Delivery()}/admin/preview", new { kind = "move", toStage = "requirement_confirming" });
            case "GET /api/v1/deliveries/{id:guid}/timers":
                return new(HttpMethod.Get, $"/api/v1/deliveries/{await Delivery("accepting")}/timers");
            case "GET /api/v1/deliveries/{id:guid}/tasks":
                return new(HttpMethod.Get, $"/api/v1/deliveries/{await Delivery()}/tasks");
            case "GET /api/v1/deliveries/{id:guid}/notifications":
                return new(HttpMethod.Get, $"/api/v1/deliveries/{await Delivery()}/notifications");
            case "GET /api/v1/operations/overview":
                return new(HttpMethod.Get, "/api/v1/operations/overview?stuckDays=2");
            case "GET /api/v1/operations/providers":
                return new(HttpMethod.Get, "/api/v1/operations/providers?from=2026-01-01T00:00:00Z&to=2026-12-31T00:00:00Z");
            case "GET /api/v1/operations/sessions":
                return new(HttpMethod.Get, "/api/v1/operations/sessions?subject=u-1001");
            case "POST /api/v1/operations/sessions/revoke":
                return Json(HttpMethod.Post, "/api/v1/operations/sessions/revoke", new { subject = "nobody-signed-in" });
            case "POST /api/v1/notifications/retry":
                return Json(HttpMethod.Post, "/api/v1/notifications/retry", new { ids = new[] { 1L, 2L } });
            case "GET /api/v1/notifications/":
                return new(HttpMethod.Get, "/api/v1/notifications?status=pending");
            case "POST /api/v1/notifications/{id:long}/retry":
                await Delivery();
                await using (var db = api.Db())
                {
                    var row = await db.Outbox.Where(o => o.Status == "pending").OrderByDescending(o => o.Id).FirstAsync();
                    row.Status = "failed";
                    await db.SaveChangesAsync();
                    return new(HttpMethod.Post, $"/api/v1/notifications/{row.Id}/retry");
                }

            case "POST /api/v1/dev/tokens":
                return Json(HttpMethod.Post, "/api/v1/dev/tokens", new { sub = "u-1", roles = new[] { "buyer" } });
            case "GET /api/v1/dev/clock":
                return new(HttpMethod.Get, "/api/v1/dev/clock");
            case "POST /api/v1/dev/clock/advance":
                return Json(HttpMethod.Post, "/api/v1/dev/clock/advance", new { by = "PT1S" });
            case "GET /health/live":
                return new(HttpMethod.Get, "/health/live");
            case "GET /health/ready":
                return new(HttpMethod.Get, "/health/ready");
            case "GET /openapi/{documentName}.json":
                return new(HttpMethod.Get, "/openapi/v1.json");
            case "GET /scalar/{documentName?}":
                return new(HttpMethod.Get, "/scalar/v1");
            case "GET /scalar/scalar.js":
            case "GET /scalar/scalar.aspnetcore.js":
            case "GET /scalar/favicon.svg":
                return new(HttpMethod.Get, endpoint[4..]);
            default:
                throw new ArgumentOutOfRangeException(nameof(endpoint), endpoint, "No request prepared for this endpoint.");
        }
    }

    private static string Shipped() => File.ReadAllText(Path.Combine(Testing.TestDatabase.WorkflowsFolder, "manual-service-delivery.json"));
}
