using System.Diagnostics;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Host.Endpoints;

namespace ServiceDelivery.Host.Hosting;

/// <summary>
/// Problem details the framework writes itself (unknown routes, wrong methods, unhandled exceptions) get the
/// same shape as ours: a code, a localized title and detail, the trace id, and never an exception or stack trace.
/// </summary>
public static class ProblemDetailsDefaults
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

        var code = problem.Status switch
        {
            StatusCodes.Status400BadRequest => Failure.ValidationFailedCode,
            StatusCodes.Status401Unauthorized => "unauthorized",
            StatusCodes.Status403Forbidden => Failure.ForbiddenActionCode,
            StatusCodes.Status404NotFound => Failure.NotFoundCode,
            StatusCodes.Status405MethodNotAllowed => "method_not_allowed",
            StatusCodes.Status413PayloadTooLarge => "payload_too_large",
            StatusCodes.Status415UnsupportedMediaType => "unsupported_media_type",
            >= 500 => "internal_error",
            _ => "error",
        };
        problem.Extensions["code"] = code;
        problem.Title = Messages.Title(code, culture);
        problem.Detail = code == "internal_error"
            ? (culture == Messages.English ? "Something went wrong on our side; the trace id identifies it." : "服务器内部错误，请凭 traceId 联系我们。")
            : Messages.Detail(new Failure(code), culture);
    }
}
