using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using ServiceDelivery.Web;
using ServiceDelivery.Application.Common;

namespace ServiceDelivery.Host.Endpoints;

/// <summary>
/// Every error as RFC 7807 problem details with a stable <c>code</c>, a <c>detail</c> in the caller's language
/// (zh-CN unless Accept-Language prefers English) and the <c>traceId</c>. The single place failures become HTTP.
/// </summary>
public static class Problems
{
    public static ProblemHttpResult From(HttpContext http, Failure failure)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(failure);
        var status = Status(failure.Code);
        var culture = Messages.Culture(http);
        if (failure.Code == Failure.BusyCode)
        {
            http.Response.Headers.RetryAfter = "1";
        }

        var extensions = new Dictionary<string, object?>
        {
            ["code"] = failure.Code,
            ["traceId"] = Activity.Current?.Id ?? http.TraceIdentifier,
        };

        if (failure.Stage is not null)
        {
            extensions["stage"] = failure.Stage;
            extensions["allowedActions"] = failure.AllowedActions.IsDefault ? [] : failure.AllowedActions.ToArray();
        }

        if (failure.Guard is not null)
        {
            extensions["guard"] = failure.Guard;
        }

        if (failure.Errors.Count > 0)
        {
            extensions["errors"] = failure.Errors
                .GroupBy(e => e.Field)
                .ToDictionary(g => g.Key, g => g.Select(e => Messages.Field(e, culture)).ToArray());
        }

        return TypedResults.Problem(
            detail: Messages.Detail(failure, culture),
            statusCode: status,
            title: Messages.Title(failure.Code, culture),
            type: $"https://servicedelivery.example/problems/{failure.Code}",
            extensions: extensions);
    }

    /// <summary>The value as 200, or the failure as problem details.</summary>
    public static Results<Ok<T>, ProblemHttpResult> OkOr<T>(HttpContext http, Result<T> result) =>
        result.Failure is { } failure ? From(http, failure) : TypedResults.Ok(result.Value!);

    public static int Status(string code) => code switch
    {
        Failure.ValidationFailedCode => StatusCodes.Status400BadRequest,
        "unauthorized" => StatusCodes.Status401Unauthorized,
        "payload_too_large" => StatusCodes.Status413PayloadTooLarge,
        "unsupported_media_type" => StatusCodes.Status415UnsupportedMediaType,
        Failure.ForbiddenActionCode => StatusCodes.Status403Forbidden,
        Failure.NotFoundCode => StatusCodes.Status404NotFound,
        "attachment_too_large" => StatusCodes.Status413PayloadTooLarge,
        "attachment_type_not_allowed" => StatusCodes.Status415UnsupportedMediaType,
        "attachment_unavailable" => StatusCodes.Status503ServiceUnavailable,
        Failure.BusyCode => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status409Conflict,
    };
}
