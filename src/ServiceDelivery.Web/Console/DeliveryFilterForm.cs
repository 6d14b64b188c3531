using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;
using ServiceDelivery.Application.Deliveries;

namespace ServiceDelivery.Web.Console;

/// <summary>
/// The console list's filters as a person edits them and as the page's URL carries them (dates as days in China's
/// time zone, the "to" day included). The same text is what a saved filter keeps.
/// </summary>
public sealed class DeliveryFilterForm
{
    private static readonly TimeSpan Zone = TimeSpan.FromHours(8);

    /// <summary>Any of these stages; the URL repeats <c>stage=</c> (a link with one stage reads as before).</summary>
    public IReadOnlyCollection<string> Stages { get; set; } = [];

    public string? Status { get; set; }

    public string? Q { get; set; }

    public string? DefinitionKey { get; set; }

    public int? DefinitionVersion { get; set; }

    public string? ProviderId { get; set; }

    public string? BuyerId { get; set; }

    public string? ProductId { get; set; }

    public string? OrderId { get; set; }

    public DateTime? CreatedFrom { get; set; }

    public DateTime? CreatedTo { get; set; }

    public bool DueSoon { get; set; }

    public int? StuckDays { get; set; }

    public bool OpenTicket { get; set; }

    public bool FailedNotification { get; set; }

    /// <summary>The filters of a query string (unknown or malformed values are left out).</summary>
    public static DeliveryFilterForm Parse(string? query)
    {
        var values = QueryHelpers.ParseQuery(query);
        string? Get(string name) => values.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v.ToString()) ? v.ToString().Trim() : null;
        int? Int(string name) => int.TryParse(Get(name), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
        DateTime? Day(string name) => DateTime.TryParseExact(Get(name), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;
        return new DeliveryFilterForm
        {
            Stages = values.TryGetValue("stage", out var stages) ? [.. stages.Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!.Trim()).Distinct(StringComparer.Ordinal)] : [],
            Status = Get("status"),
            Q = Get("q"),
            DefinitionKey = Get("definitionKey"),
            DefinitionVersion = Int("definitionVersion"),
            ProviderId = Get("providerId"),
            BuyerId = Get("buyerId"),
            ProductId = Get("productId"),
            OrderId = Get("orderId"),
            CreatedFrom = Day("createdFrom"),
            CreatedTo = Day("createdTo"),
            DueSoon = Get("dueSoon") == "true",
            StuckDays = Int("stuckDays"),
            OpenTicket = Get("openTicket") == "true",
            FailedNotification = Get("failedNotification") == "true",
        };
    }

    /// <summary>The page's query string (without '?'), only the filters set, in a fixed order.</summary>
    public string ToQuery() => Join(Pairs(api: false));

    /// <summary>The same filters for the API and the CSV export (instants, not days).</summary>
    public string ToApiQuery() => Join(Pairs(api: true));

    /// <summary>The filter these fields make: through the API's own names and the one mapping of them.</summary>
    public DeliveryFilter ToFilter(string? cursor, int limit) => DeliveryFilter.FromConsoleQuery(ToApiQuery()) with { Cursor = cursor, Limit = limit };

    /// <summary>Whether any filter is set (the collapsed panel then shows them as chips).</summary>
    public bool Any => Pairs(api: false).Any(p => !string.IsNullOrWhiteSpace(p.Value));

    /// <summary>A copy, for the page to drop one filter of what is applied.</summary>
    public DeliveryFilterForm Copy() => (DeliveryFilterForm)MemberwiseClone();

    private IEnumerable<(string Name, string? Value)> Pairs(bool api)
    {
        foreach (var stage in Stages)
        {
            yield return ("stage", stage);
        }

        yield return ("status", Status);
        yield return ("q", Q);
        yield return ("definitionKey", DefinitionKey);
        yield return ("definitionVersion", DefinitionVersion?.ToString(CultureInfo.InvariantCulture));
        yield return ("providerId", ProviderId);
        yield return ("buyerId", BuyerId);
        yield return ("productId", ProductId);
        yield return ("orderId", OrderId);
        yield return ("createdFrom", CreatedFrom is { } from ? (api ? Instant(StartOf(from)) : Day(from)) : null);
        yield return ("createdTo", CreatedTo is { } to ? (api ? Instant(StartOf(to.AddDays(1))) : Day(to)) : null);
        yield return ("dueSoon", DueSoon ? "true" : null);
        yield return ("stuckDays", StuckDays?.ToString(CultureInfo.InvariantCulture));
        yield return ("openTicket", OpenTicket ? "true" : null);
        yield return ("failedNotification", FailedNotification ? "true" : null);
    }

    private static string Join(IEnumerable<(string Name, string? Value)> pairs) =>
        string.Join('&', pairs.Where(p => !string.IsNullOrWhiteSpace(p.Value)).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!.Trim())}"));

    private static DateTimeOffset StartOf(DateTime day) => new(day.Date, Zone);

    private static string Day(DateTime day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Instant(DateTimeOffset at) => at.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
}
