using System.Text.Json;
using System.Diagnostics;
using ServiceDelivery.Web;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Host.Endpoints;

namespace ServiceDelivery.Host.Hosting;

/// <summary>
/// Problem details the framework writes itself (unknown routes, wrong methods, unhandled exceptions) get the
/// same shape as ours: a code, a localized title and detail, the trace id, and never an exception or stack trace.
/// </summary>
public static partial class ProblemDetailsDefaults
{
    public static void Apply(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var problem = context.ProblemDetails;
        var culture = Messages.Culture(context.HttpContext);
        problem.Extensions.Remove("exception");
        problem.Extensions.TryAdd("traceId", Activity.Current?.Id ?? context.HttpContext.TraceIdentifier);
        if (problem.Extensions.ContainsKey("code"))
        {
            return;
        }

        if (context.Exception is BadHttpRequestException { StatusCode: StatusCodes.Status400BadRequest } bad && UnboundParameter(bad) is { } parameter)
        {
            // The framework could not read a query value as its type (limit=abc, limit=99999999999): say which one.
            var failure = Failure.Invalid(new InputError(parameter, "invalid"));
            problem.Extensions["code"] = failure.Code;
            problem.Type = $"https://servicedelivery.example/problems/{failure.Code}";
            problem.Title = Messages.Title(failure.Code, culture);
            problem.Detail = Messages.Detail(failure, culture);
            problem.Extensions["errors"] = new Dictionary<string, string[]> { [parameter] = [Messages.Field(failure.Errors[0], culture)] };
            return;
        }

        var code = problem.Status switch
        {
            StatusCodes.Status400BadRequest => Failure.ValidationFailedCode,
            StatusCodes.Status401Unauthorized => "unauthorized",
            StatusCodes.Status403Forbidden => Failure.ForbiddenActionCode,
            StatusCodes.Status404NotFound => Failure.NotFoundCode,
            StatusCodes.Status405MethodNotAllowed => "method_not_allowed",
            StatusCodes.Status413PayloadTooLarge => "payload_too_large",
            StatusCodes.Status415UnsupportedMediaType => "unsupported_media_type",
            StatusCodes.Status503ServiceUnavailable => "service_unavailable",
            >= 500 => "internal_error",
            _ => "error",
        };
        problem.Extensions["code"] = code;
        if (code == "service_unavailable")
        {
            context.HttpContext.Response.Headers.RetryAfter = "5";
        }

        problem.Title = Messages.Title(code, culture);
        problem.Detail = code == "internal_error"
            ? (culture == Messages.English ? "Something went wrong on our side; the trace id identifies it." : "服务器内部错误，请凭 traceId 联系我们。")
            : Messages.Detail(new Failure(code), culture);
    }

    // The framework's own wording, "Failed to bind parameter \"int? limit\" from \"abc\".", is the only place it names the parameter.
    // A query bound into a class ([AsParameters]) is named by its property (Limit): the query's names are camelCase.
    private static string? UnboundParameter(BadHttpRequestException exception) =>
        BindFailure().Match(exception.Message) is { Success: true } match ? JsonNamingPolicy.CamelCase.ConvertName(match.Groups["name"].Value) : null;

    [System.Text.RegularExpressions.GeneratedRegex("^Failed to bind parameter \"[^\"]* (?<name>[A-Za-z0-9_]+)\" from")]
    private static partial System.Text.RegularExpressions.Regex BindFailure();
}
