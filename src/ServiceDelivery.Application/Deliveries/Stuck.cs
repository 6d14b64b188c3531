using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Application.Deliveries;

/// <summary>Stuck deliveries: active, and nothing written for some days.</summary>
internal static class Stuck
{
    /// <summary>
    /// Active deliveries with no write since <paramref name="since"/>. The indexed day of the last write finds them;
    /// the instant then trims the last day. The overview counts the same deliveries in SQL (OperationsOverview).
    /// </summary>
    public static IQueryable<DeliveryRecord> QuietSince(this IQueryable<DeliveryRecord> deliveries, DateTimeOffset since)
    {
        var day = DateOnly.FromDateTime(since.UtcDateTime);
        return deliveries.Where(d => d.Status == "active" && EF.Property<DateOnly>(d, DeliveryRecord.UpdatedOn) <= day && d.UpdatedAt < since);
    }
}
