using System.Net;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServiceDelivery.Application.Outbox;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Api.Tests;

/// <summary>
/// The contract integrators generate from (issue 25): every example in the served document validates against its
/// schema, every operation is described, and every webhook body a receiver gets validates against the document's
/// <c>webhooks</c> — for every integration event type, log.anchored included.
/// </summary>
public sealed class OpenApiContractTests
{
    private static async Task<JsonElement> DocumentAsync(ApiFixture api) =>
        (await api.As(null).GetAsync("/openapi/v1.json")).ShouldBe(HttpStatusCode.OK).Body;

    [Fact]
    public async Task Every_example_validates_against_its_schema_and_every_operation_is_described()
    {
        await using var api = await ApiFixture.CreateAsync();
        var document = await DocumentAsync(api);
        var schemas = new DocumentSchemas(document);

        var checkedExamples = new List<string>();
        var failures = new List<string>();
        foreach (var (pointer, schema, example) in Examples(document, "#"))
        {
            checkedExamples.Add(pointer);
            failures.AddRange(schemas.Validate(schema, example).Select(e => $"{pointer}: {e}"));
        }

        checkedExamples.Should().HaveCountGreaterThanOrEqualTo(9, "the request bodies of the main operations carry examples");
        failures.Should().BeEmpty("every example in the document is valid against its own schema");

        // Every operation (paths and webhooks) has a summary and a description, and every success response a media type.
        foreach (var section in new[] { "paths", "webhooks" })
        {
            foreach (var path in document.GetProperty(section).EnumerateObject())
            {
                foreach (var operation in path.Value.EnumerateObject().Where(o => o.Value.ValueKind == JsonValueKind.Object && o.Value.TryGetProperty("responses", out _)))
                {
                    var name = $"{operation.Name.ToUpperInvariant()} {path.Name}";
                    operation.Value.TryGetProperty("summary", out var summary).Should().BeTrue($"{name} has a summary");
                    summary.GetString().Should().NotBeNullOrWhiteSpace($"{name} has a summary");
                    operation.Value.TryGetProperty("description", out var description).Should().BeTrue($"{name} has a description");
                    description.GetString().Should().NotBeNullOrWhiteSpace($"{name} has a description");
                    if (section != "paths")
                    {
                        continue;
                    }

                    foreach (var response in operation.Value.GetProperty("responses").EnumerateObject())
                    {
                        if (response.Name is "204")
                        {
                            continue;
                        }

                        response.Value.TryGetProperty("content", out var content).Should().BeTrue($"{name} {response.Name} says what it answers");
                        foreach (var media in content.EnumerateObject())
                        {
                            media.Value.TryGetProperty("schema", out _).Should().BeTrue($"{name} {response.Name} {media.Name} has a schema");
                            if (!response.Name.StartsWith('2'))
                            {
                                media.Name.Should().Be("application/problem+json", $"{name} {response.Name} is problem details");
                                media.Value.GetProperty("schema").GetProperty("$ref").GetString().Should().Be("#/components/schemas/ProblemDetails");
                            }
                        }
                    }
                }
            }
        }

        // Files are binary for generated clients.
        var paths = document.GetProperty("paths");
        Binary(paths, "/api/v1/attachments/{id}", "*/*");
        Binary(paths, "/api/v1/deliveries/{id}/evidence", "application/zip");
        paths.GetProperty("/api/v1/definitions/schema").GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content")
            .TryGetProperty("application/schema+json", out _).Should().BeTrue();
        document.GetProperty("info").GetProperty("license").GetProperty("identifier").GetString().Should().Be("MIT");
        document.GetProperty("servers").EnumerateArray().Should().OnlyContain(s => !s.GetProperty("url").GetString()!.EndsWith('/'));
        document.GetProperty("tags").EnumerateArray().Should().OnlyContain(t => !string.IsNullOrWhiteSpace(t.GetProperty("description").GetString()));
        document.GetProperty("tags").EnumerateArray().Select(t => t.GetProperty("name").GetString()).Should().Contain(["Evidence", "Webhooks"]);
        var problemCode = document.GetProperty("components").GetProperty("schemas").GetProperty("ProblemDetails").GetProperty("properties").GetProperty("code");
        problemCode.GetProperty("description").GetString().Should().Contain("version_conflict");
    }

    [Fact]
    public async Task Every_webhook_a_receiver_gets_validates_against_the_documents_webhooks()
    {
        await using var receiver = await TestWebhookReceiver.StartAsync();
        await using var headers = await HeaderRecorder.StartAsync();
        await using var api = await ApiFixture.CreateAsync(new Dictionary<string, string?>
        {
            ["Webhooks:Endpoints:0:Url"] = receiver.Url,
            ["Webhooks:Endpoints:0:Secret"] = receiver.Secret,
            ["Webhooks:Endpoints:1:Url"] = headers.Url,
            ["Webhooks:Endpoints:1:Secret"] = "header-recorder-secret",
        });
        var document = await DocumentAsync(api);
        var schemas = new DocumentSchemas(document);
        var webhooks = document.GetProperty("webhooks");

        // The document describes every event type the service knows.
        var types = typeof(IntegrationEvents).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string)).Select(f => (string)f.GetRawConstantValue()!).ToList();
        types.Should().HaveCount(8);
        webhooks.EnumerateObject().Select(w => w.Name).Should().BeEquivalentTo(types);
        foreach (var webhook in webhooks.EnumerateObject())
        {
            var parameters = webhook.Value.GetProperty("post").GetProperty("parameters").EnumerateArray()
                .Where(p => p.GetProperty("in").GetString() == "header").Select(p => p.GetProperty("name").GetString());
            parameters.Should().BeEquivalentTo(["X-ServiceDelivery-Event", "X-ServiceDelivery-Event-Id", "X-ServiceDelivery-Timestamp", "X-ServiceDelivery-Signature"], webhook.Name);
        }

        // Deliveries through the steps that emit every event type: started, stage changes, completed, refund requested,
        // refunded, a ticket opened and resolved; then an anchor.
        var completed = (await api.As(Api.Marketplace).StartAsync(api.NextOrder())).GetProperty("id").GetGuid();
        foreach (var (caller, action) in ApiFixture.PathTo("completed"))
        {
            (await api.As(caller).ActAsync(completed, action)).ShouldBe(HttpStatusCode.OK);
        }

        await api.AtAsync("refunded");
        var disputed = await api.AtAsync("implementing");
        var ticket = (await api.As(Api.Buyer).PostAsync($"/api/v1/deliveries/{disputed}/tickets", new { category = "other", subject = "进度咨询", description = "什么时候开始迁移？", attachmentIds = Array.Empty<Guid>() }))
            .ShouldBe(HttpStatusCode.Created).Body.GetProperty("id").GetGuid();
        (await api.As(Api.Platform).PostAsync($"/api/v1/tickets/{ticket}/resolve", new { outcome = "no_change", note = "已与服务商确认排期" })).ShouldBe(HttpStatusCode.OK);
        api.Host.Clock.Advance(TimeSpan.FromMinutes(2));
        (await api.As(Api.Platform).PostAsync("/api/v1/log/anchors", null)).ShouldBe(HttpStatusCode.Created);

        // Send everything due; a delivery's events go one at a time, so a few rounds may be needed.
        var dispatcher = api.Host.Services.GetRequiredService<OutboxDispatcher>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!types.All(t => receiver.Accepted.Any(r => r.Type == t) && headers.Received.Any(r => r.Type == t)) && DateTime.UtcNow < deadline)
        {
            if (await dispatcher.DispatchDueAsync(100, CancellationToken.None) == 0)
            {
                await Task.Delay(100);
            }
        }

        var received = receiver.Accepted;
        received.Select(r => r.Type).Distinct().Should().BeEquivalentTo(types, "every event type was sent");
        receiver.Requests.Should().OnlyContain(r => r.SignatureValid, "every webhook is signed as documented");

        var failures = new List<string>();
        foreach (var hook in received)
        {
            var body = webhooks.GetProperty(hook.Type).GetProperty("post").GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");
            failures.AddRange(schemas.Validate(body, hook.Body).Select(e => $"{hook.Type} {hook.EventId}: {e}{Environment.NewLine}  {hook.Body}"));

            // The schema is strict enough to tell events apart: another type's body does not pass as this one.
            var other = types.First(t => t != hook.Type && (t == IntegrationEvents.LogAnchored) != (hook.Type == IntegrationEvents.LogAnchored));
            var otherSchema = webhooks.GetProperty(other).GetProperty("post").GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");
            schemas.Validate(otherSchema, hook.Body).Should().NotBeEmpty($"a {hook.Type} body is not a valid {other} body");
        }

        failures.Should().BeEmpty("every webhook body validates against the document's webhook schema");

        // The headers of every webhook (recorded by a second endpoint) are the documented ones, each valid against its schema.
        headers.Received.Select(r => r.Type).Distinct().Should().BeEquivalentTo(types);
        foreach (var (type, values) in headers.Received)
        {
            foreach (var parameter in webhooks.GetProperty(type).GetProperty("post").GetProperty("parameters").EnumerateArray())
            {
                var name = parameter.GetProperty("name").GetString()!;
                values.TryGetValue(name, out var value).Should().BeTrue($"{type} carries {name}");
                schemas.Validate(parameter.GetProperty("schema"), JsonSerializer.SerializeToElement(value)).Should().BeEmpty($"{type} {name}: {value}");
            }
        }

        // And the references are followed: a snapshot without its version, an anchor without its signature are refused.
        var started = received.First(r => r.Type == IntegrationEvents.DeliveryStarted);
        var broken = JsonNode.Parse(started.Body.GetRawText())!;
        broken["delivery"]!.AsObject().Remove("version");
        schemas.Validate(BodySchema(webhooks, started.Type), JsonSerializer.SerializeToElement(broken)).Should().NotBeEmpty("the snapshot needs its version");
        var anchored = received.First(r => r.Type == IntegrationEvents.LogAnchored);
        broken = JsonNode.Parse(anchored.Body.GetRawText())!;
        broken["data"]!.AsObject().Remove("signature");
        schemas.Validate(BodySchema(webhooks, anchored.Type), JsonSerializer.SerializeToElement(broken)).Should().NotBeEmpty("the anchor needs its signature");
    }

    private static JsonElement BodySchema(JsonElement webhooks, string type) =>
        webhooks.GetProperty(type).GetProperty("post").GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");

    private static void Binary(JsonElement paths, string path, string mediaType)
    {
        var schema = paths.GetProperty(path).GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty(mediaType).GetProperty("schema");
        schema.GetProperty("type").GetString().Should().Be("string", path);
        schema.GetProperty("format").GetString().Should().Be("binary", path);
    }

    /// <summary>Every example (media types, parameters, headers; <c>example</c> and <c>examples</c>) with the schema beside it.</summary>
    private static IEnumerable<(string Pointer, JsonElement Schema, JsonElement Example)> Examples(JsonElement node, string pointer)
    {
        if (node.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var item in node.EnumerateArray())
            {
                foreach (var found in Examples(item, $"{pointer}/{i++}"))
                {
                    yield return found;
                }
            }

            yield break;
        }

        if (node.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }

        if (node.TryGetProperty("schema", out var schema) && schema.ValueKind == JsonValueKind.Object)
        {
            if (node.TryGetProperty("example", out var example))
            {
                yield return ($"{pointer}/example", schema, example);
            }

            if (node.TryGetProperty("examples", out var examples) && examples.ValueKind == JsonValueKind.Object)
            {
                foreach (var named in examples.EnumerateObject().Where(e => e.Value.TryGetProperty("value", out _)))
                {
                    yield return ($"{pointer}/examples/{named.Name}/value", schema, named.Value.GetProperty("value"));
                }
            }
        }

        foreach (var property in node.EnumerateObject())
        {
            foreach (var found in Examples(property.Value, $"{pointer}/{property.Name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)}"))
            {
                yield return found;
            }
        }
    }

    /// <summary>
    /// The document's schemas as JSON Schema 2020-12 (OpenAPI 3.1's dialect): components/schemas become $defs, so a
    /// schema from anywhere in the document can be evaluated with its references.
    /// </summary>
    private sealed class DocumentSchemas(JsonElement document)
    {
        private readonly string _defs = Rewrite(document.GetProperty("components").GetProperty("schemas").GetRawText());

        private static string Rewrite(string json) => json.Replace("\"#/components/schemas/", "\"#/$defs/", StringComparison.Ordinal);

        public List<string> Validate(JsonElement schema, JsonElement instance)
        {
            var root = new JsonObject
            {
                ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
                ["$defs"] = JsonNode.Parse(_defs),
                ["allOf"] = new JsonArray(JsonNode.Parse(Rewrite(schema.GetRawText()))),
            };
            var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
            var built = JsonSchema.FromText(root.ToJsonString(), options, new Uri($"https://servicedelivery.test/openapi/{Guid.NewGuid():N}"));
            var results = built.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List });
            if (results.IsValid)
            {
                return [];
            }

            var errors = (results.Details ?? []).Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.EvaluationPath}): {e.Key} {e.Value}")).ToList();
            return errors.Count > 0 ? errors : ["invalid"];
        }
    }

    /// <summary>A webhook endpoint that keeps each request's X-ServiceDelivery-* headers and answers 200.</summary>
    private sealed class HeaderRecorder : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private HeaderRecorder(WebApplication app, string url) => (_app, Url) = (app, url);

        public string Url { get; }

        public System.Collections.Concurrent.ConcurrentQueue<(string Type, Dictionary<string, string> Headers)> Received { get; } = new();

        public static async Task<HeaderRecorder> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            HeaderRecorder? recorder = null;
            app.MapPost("/hooks", (HttpContext http) =>
            {
                var values = http.Request.Headers.Where(h => h.Key.StartsWith("X-ServiceDelivery-", StringComparison.OrdinalIgnoreCase))
                    .ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
                recorder!.Received.Enqueue((values.GetValueOrDefault("X-ServiceDelivery-Event") ?? "", values));
                return Results.Ok();
            });
            await app.StartAsync();
            recorder = new HeaderRecorder(app, app.Urls.First() + "/hooks");
            return recorder;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
