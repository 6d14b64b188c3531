using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Application.Deliveries;

/// <summary>Stuck deliveries: active, and nothing written for some days.</summary>
internal static class Stuck
{
    /// <summary>
    /// Active deliveries with no write since <paramref name="since"/>. The indexed day of the last write finds them;
    /// the instant then trims the last day.
    /// </summary>
    public static IQueryable<DeliveryRecord> QuietSince(this IQueryable<DeliveryRecord> deliveries, DateTimeOffset since)
    {
        var day = DateOnly.FromDateTime(since.UtcDateTime);
        return deliveries.Where(d => d.Status == "active" && EF.Property<DateOnly>(d, DeliveryRecord.UpdatedOn) <= day && d.UpdatedAt < since);
    }

    /// <summary>
    /// How many deliveries <see cref="QuietSince"/> finds, counting at most <paramref name="cap"/> + 1. Those last
    /// written on a day before the day of <paramref name="since"/> are counted on the index alone (quiet rows sit on
    /// all-visible pages, so it is an index-only range); only that day's rows are read to compare the instant.
    /// </summary>
    public static async Task<int> CountQuietSinceAsync(this IQueryable<DeliveryRecord> deliveries, DateTimeOffset since, int cap, CancellationToken cancellationToken)
    {
        var day = DateOnly.FromDateTime(since.UtcDateTime);
        var active = deliveries.Where(d => d.Status == "active");
        var before = await active.Where(d => EF.Property<DateOnly>(d, DeliveryRecord.UpdatedOn) < day).Take(cap + 1).CountAsync(cancellationToken);
        if (before > cap)
        {
            return before;
        }

        return before + await active.Where(d => EF.Property<DateOnly>(d, DeliveryRecord.UpdatedOn) == day && d.UpdatedAt < since)
            .Take(cap + 1 - before).CountAsync(cancellationToken);
    }
}
