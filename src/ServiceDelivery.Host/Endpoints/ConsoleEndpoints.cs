using System.Globalization;
using System.Text;
using Hangfire;
using Hangfire.Dashboard;
using ServiceDelivery.Application;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Definitions;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Host.Auth;
using ServiceDelivery.Infrastructure.Jobs;
using ServiceDelivery.Persistence;
using ServiceDelivery.Web;

namespace ServiceDelivery.Host.Endpoints;

/// <summary>What the operations console serves besides its pages: the CSV export of a filtered list, attachments, evidence bundles and the Hangfire dashboard, platform only.</summary>
public static class ConsoleEndpoints
{
    private static readonly string[] Columns = ["orderId", "product", "buyer", "provider", "stage", "status", "paidAmount", "currency", "createdAt", "stageEnteredAt", "autoAcceptAt", "version", "id"];

    public static IEndpointRouteBuilder MapConsoleEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/console/deliveries.csv", ExportAsync).RequireAuthorization(Policies.Platform).ExcludeFromDescription();
        // The log's attachments for a signed-in operator (the API's download takes bearer tokens).
        app.MapGet("/console/attachments/{id:guid}", AttachmentEndpoints.Download).RequireAuthorization(Policies.Platform).ExcludeFromDescription();
        // The evidence bundle for a signed-in operator, the same as GET /api/v1/deliveries/{id}/evidence.
        app.MapGet("/console/deliveries/{id:guid}/evidence", EvidenceEndpoints.Bundle).RequireAuthorization(Policies.Platform).ExcludeFromDescription();

        // The dashboard's own filters would allow only local requests; the platform policy (cookie sign-in) guards it instead.
        app.MapHangfireDashboard("/console/jobs", new DashboardOptions
        {
            Authorization = [],
            AsyncAuthorization = [],
            AppPath = "/console",
            DashboardTitle = "ServiceDelivery · Hangfire",
            DisplayStorageConnectionString = false,
        }).RequireAuthorization(Policies.Platform);
        return app;
    }

    /// <summary>
    /// The Hangfire dashboard reads its forms without checking that a request carries one: a GET of one of its
    /// POST routes (/console/jobs/stats) threw, which was a 500. Such a request is the caller's mistake, a 400.
    /// </summary>
    public static void UseJobsDashboardRequestCheck(this IApplicationBuilder app) =>
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/console/jobs"), dashboard => dashboard.Use(async (context, next) =>
        {
            // The service depends on its recurring sweeps: the dashboard's "delete" is refused for them (Hangfire can
            // only make the whole dashboard read-only). Were one deleted anyway, the hosts register it again.
            if (HttpMethods.IsPost(context.Request.Method) && context.Request.Path.Equals("/console/jobs/recurring/remove", StringComparison.OrdinalIgnoreCase)
                && context.Request.HasFormContentType
                && (await context.Request.ReadFormAsync(context.RequestAborted))["jobs[]"].Any(id => id is not null && JobsBootstrapper.Required.ContainsKey(id)))
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                context.Response.ContentType = "text/plain; charset=utf-8"; // the dashboard's added script shows it
                await context.Response.WriteAsync(UiText.T("console.jobsKept"), context.RequestAborted);
                return;
            }

            try
            {
                await next();
            }
            catch (InvalidOperationException) when (!context.Response.HasStarted && !context.Request.HasFormContentType)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
            }
        }));

    /// <summary>The filtered list as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese), streamed in keyset batches.</summary>
    private static async Task ExportAsync([AsParameters] DeliveryListQuery query, DeliveryQueries queries, DefinitionCatalog catalog, ServiceDeliveryDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        // The console's own reading: its list may filter by several stages (repeated stage=), the export must too.
        var filter = DeliveryFilter.FromConsoleQuery(http.Request.QueryString.Value) with { Cursor = null, Limit = null };
        if (filter.Check() is { } invalid)
        {
            await Problems.From(http, Failure.Invalid(invalid)).ExecuteAsync(http);
            return;
        }

        var culture = CultureInfo.CurrentUICulture.Name.StartsWith("en", StringComparison.Ordinal) ? "en" : "zh-CN";
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"deliveries-{DateTime.UtcNow:yyyyMMdd-HHmmss}.csv\"";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), 64 * 1024);
        await writer.WriteLineAsync(Csv.Line([.. Columns.Select(c => UiText.T("csv." + c))]));
        var rows = 0;
        await foreach (var d in queries.ExportAsync(http.User.ToCaller(), filter, cancellationToken))
        {
            var definition = await catalog.GetAsync(db, d.Definition.Key, d.Definition.Version, cancellationToken);
            await writer.WriteLineAsync(Csv.Line([
                d.OrderId, d.Product.Name, d.Buyer.Name, d.Provider.Name,
                definition is null ? d.Stage : DisplayNames.Stage(definition, d.Stage, culture),
                UiText.T("status." + d.Status),
                d.PaidAmount.ToString(CultureInfo.InvariantCulture), d.Currency,
                Time(d.CreatedAt), Time(d.StageEnteredAt), d.AutoAcceptAt is { } due ? Time(due) : string.Empty,
                d.Version.ToString(CultureInfo.InvariantCulture), d.Id.ToString()]));
            if (++rows % 500 == 0)
            {
                await writer.FlushAsync(cancellationToken);
            }
        }
    }

    /// <summary>
    /// A time as the console shows it (China time; the column's title names the zone). Without an offset in the cell a
    /// spreadsheet reads it as a date and time, not as text.
    /// </summary>
    internal static string Time(DateTimeOffset at) => at.ToOffset(UiText.ConsoleOffset).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}

/// <summary>
/// RFC 4180 lines, defused as OWASP's CSV-injection guidance says: a cell that a spreadsheet could read as a formula
/// gets a leading apostrophe. Spreadsheets skip blanks (spaces, no-break and zero-width spaces, line breaks) before
/// a formula and read the fullwidth signs (＝ ＋ － ＠) as the ASCII ones, so those count too.
/// </summary>
public static class Csv
{
    public static string Line(IReadOnlyList<string> cells) => string.Join(',', cells.Select(Cell));

    public static string Cell(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (CouldBeFormula(value))
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    private static bool CouldBeFormula(string value)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '=' or '+' or '-' or '@' or '\t' or '\r' or '\n' or '\uFF1D' or '\uFF0B' or '\uFF0D' or '\uFF20':
                    return true;
                case '\u200B' or '\u200C' or '\u200D' or '\u2060' or '\uFEFF':
                    continue;
                default:
                    if (char.IsWhiteSpace(c))
                    {
                        continue;
                    }

                    return false;
            }
        }

        return false;
    }
}
