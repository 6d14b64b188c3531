using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ServiceDelivery.Testing;

/// <summary>
/// A marketplace webhook endpoint on a loopback port, as a receiver would write it: verifies the HMAC signature,
/// records each request, and can be told to fail the next requests to exercise retries.
/// </summary>
public sealed class TestWebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _failNext;

    private TestWebhookReceiver(WebApplication app, string url, string secret)
    {
        _app = app;
        Url = url;
        Secret = secret;
    }

    public string Url { get; }

    public string Secret { get; }

    /// <summary>Every request, accepted or not, in arrival order.</summary>
    public ConcurrentQueue<Received> Requests { get; } = new();

    public IReadOnlyList<Received> Accepted => [.. Requests.Where(r => r.Status == 200)];

    public sealed record Received(Guid EventId, string Type, Guid DeliveryId, JsonElement Body, bool SignatureValid, int Status);

    public static async Task<TestWebhookReceiver> StartAsync(string secret = "test-webhook-secret")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        TestWebhookReceiver? receiver = null;
        app.MapPost("/hooks", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var timestamp = http.Request.Headers["X-ServiceDelivery-Timestamp"].ToString();
            var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));
            var given = http.Request.Headers["X-ServiceDelivery-Signature"].ToString();
            var valid = CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(given));
            var json = JsonDocument.Parse(body).RootElement.Clone();
            var status = receiver!.Down ? 503 : Interlocked.Decrement(ref receiver._failNext) >= 0 ? 500 : valid ? 200 : 401;
            receiver.Requests.Enqueue(new Received(
                json.GetProperty("id").GetGuid(), json.GetProperty("type").GetString()!,
                json.GetProperty("delivery") is { ValueKind: JsonValueKind.Object } delivery ? delivery.GetProperty("id").GetGuid() : Guid.Empty, json, valid, status));
            return Results.StatusCode(status);
        });
        await app.StartAsync();
        var address = app.Urls.First();
        receiver = new TestWebhookReceiver(app, address + "/hooks", secret);
        return receiver;
    }

    /// <summary>While true every request answers 503, as a receiver in maintenance would.</summary>
    public bool Down { get; set; }

    /// <summary>The next <paramref name="count"/> requests answer 500.</summary>
    public void FailNext(int count) => Interlocked.Exchange(ref _failNext, count);

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
