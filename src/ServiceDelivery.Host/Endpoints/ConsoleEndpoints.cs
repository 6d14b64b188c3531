using System.Globalization;
using System.Text;
using Hangfire;
using Hangfire.Dashboard;
using ServiceDelivery.Application;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Definitions;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Host.Auth;
using ServiceDelivery.Persistence;
using ServiceDelivery.Web;

namespace ServiceDelivery.Host.Endpoints;

/// <summary>What the operations console serves besides its pages: the CSV export of a filtered list and the Hangfire dashboard, platform only.</summary>
public static class ConsoleEndpoints
{
    private static readonly string[] Columns = ["orderId", "product", "buyer", "provider", "stage", "status", "paidAmount", "currency", "createdAt", "stageEnteredAt", "autoAcceptAt", "version", "id"];

    public static IEndpointRouteBuilder MapConsoleEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/console/deliveries.csv", ExportAsync).RequireAuthorization(Policies.Platform).ExcludeFromDescription();
        // The log's attachments for a signed-in operator (the API's download takes bearer tokens).
        app.MapGet("/console/attachments/{id:guid}", AttachmentEndpoints.Download).RequireAuthorization(Policies.Platform).ExcludeFromDescription();

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

    /// <summary>The filtered list as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese), streamed in keyset batches.</summary>
    private static async Task ExportAsync([AsParameters] DeliveryListQuery query, DeliveryQueries queries, DefinitionCatalog catalog, ServiceDeliveryDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        var filter = query.ToFilter() with { Cursor = null, Limit = null };
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

    private static string Time(DateTimeOffset at) => at.ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture);
}

/// <summary>RFC 4180 lines; a cell that a spreadsheet would run as a formula is prefixed with an apostrophe.</summary>
public static class Csv
{
    public static string Line(IReadOnlyList<string> cells) => string.Join(',', cells.Select(Cell));

    public static string Cell(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
