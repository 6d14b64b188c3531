using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using ServiceDelivery.Application.Outbox;

namespace ServiceDelivery.Infrastructure.Notifications;

/// <summary>
/// POSTs integration events with an HMAC-SHA256 signature over "{timestamp}.{body}" keyed by the endpoint's
/// secret. Any 2xx is success; 4xx other than 408/429 is permanent; everything else is retried.
/// </summary>
public sealed class HttpWebhookTransport(HttpClient http, WebhookOptions options, TimeProvider clock) : IWebhookTransport
{
    public const string SignatureHeader = "X-ServiceDelivery-Signature";
    public const string TimestampHeader = "X-ServiceDelivery-Timestamp";
    public const string EventHeader = "X-ServiceDelivery-Event";
    public const string EventIdHeader = "X-ServiceDelivery-Event-Id";

    public async Task SendAsync(OutgoingWebhook webhook, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        var endpoint = options.Endpoints.FirstOrDefault(e => e.Url == webhook.Url)
            ?? throw new DeliveryFailedException("the endpoint is no longer configured", permanent: true);
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url)
        {
            Content = new StringContent(webhook.Body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(EventHeader, webhook.Type);
        request.Headers.Add(EventIdHeader, webhook.EventId.ToString());
        request.Headers.Add(TimestampHeader, timestamp);
        request.Headers.Add(SignatureHeader, "sha256=" + Sign(endpoint.Secret, timestamp, webhook.Body));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("ServiceDelivery", "1.0"));

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new DeliveryFailedException($"receiver unreachable: {ex.GetType().Name}", permanent: false, ex);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (status is >= 200 and < 300)
            {
                return;
            }

            var permanent = status is >= 400 and < 500 and not 408 and not 429;
            throw new DeliveryFailedException($"HTTP {status}", permanent);
        }
    }

    /// <summary>Hex HMAC-SHA256 of "{timestamp}.{body}"; receivers compute the same and compare in constant time.</summary>
    public static string Sign(string secret, string timestamp, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));
}
