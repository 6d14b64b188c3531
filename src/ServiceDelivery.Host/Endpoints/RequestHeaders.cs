using System.Globalization;
using ServiceDelivery.Application.Common;

namespace ServiceDelivery.Host.Endpoints;

/// <summary>Optimistic concurrency and idempotency headers.</summary>
public static class RequestHeaders
{
    public const int MaxIdempotencyKeyLength = 200;

    /// <summary>The version in <c>If-Match: "7"</c> (weak or unquoted accepted; <c>*</c> means any).</summary>
    public static bool TryGetIfMatch(HttpRequest request, out int? version, out Failure? failure)
    {
        ArgumentNullException.ThrowIfNull(request);
        version = null;
        failure = null;
        var header = request.Headers.IfMatch.ToString().Trim();
        if (header.Length == 0 || header == "*")
        {
            return true;
        }

        var value = header.StartsWith("W/", StringComparison.Ordinal) ? header[2..] : header;
        if (int.TryParse(value.Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            version = parsed;
            return true;
        }

        failure = Failure.Invalid(new InputError("If-Match", "invalid"));
        return false;
    }

    public static bool TryGetIdempotencyKey(HttpRequest request, out string? key, out Failure? failure)
    {
        ArgumentNullException.ThrowIfNull(request);
        failure = null;
        key = request.Headers["Idempotency-Key"].ToString();
        if (key.Length == 0)
        {
            key = null;
            return true;
        }

        if (key.Length > MaxIdempotencyKeyLength || key.Any(char.IsControl))
        {
            failure = Failure.Invalid(new InputError("Idempotency-Key", key.Length > MaxIdempotencyKeyLength ? "too_long" : "invalid", MaxIdempotencyKeyLength));
            return false;
        }

        return true;
    }

    public static void SetETag(HttpResponse response, int version)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Headers.ETag = $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";
    }
}
