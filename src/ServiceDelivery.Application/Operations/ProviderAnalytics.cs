using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Persistence;

namespace ServiceDelivery.Application.Operations;

/// <summary>
/// Service levels per provider over the deliveries started in a date range, from the process log: how fast
/// requirements are confirmed, how often requirements and deliveries are rejected, how often acceptance happens
/// by the clock, refunds and tickets. Rates are over the decisions actually taken (a confirmation or a rejection).
/// </summary>
public sealed class ProviderAnalytics(ServiceDeliveryDbContext db)
{
    /// <summary>The longest range one query covers.</summary>
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(366);

    public async Task<Result<IReadOnlyList<ProviderFigures>>> ReadAsync(Caller caller, DateTimeOffset? fromValue, DateTimeOffset? toValue, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.Is(Caller.Platform))
        {
            return Failure.Forbidden;
        }

        if (fromValue is not { } fromAt || toValue is not { } toAt)
        {
            return Failure.Invalid(new InputError(fromValue is null ? "from" : "to", "required"));
        }

        var (from, to) = (fromAt.ToUniversalTime(), toAt.ToUniversalTime());

        if (to <= from || to - from > MaxRange)
        {
            return Failure.Invalid(new InputError("to", "out_of_range", (int)MaxRange.TotalDays));
        }

        // One pass over the range's deliveries with their log and tickets counted per delivery, then per provider.
        var rows = await db.Database.SqlQuery<ProviderRow>($"""
            SELECT d.provider_id AS provider_id, max(d.provider_name) AS provider_name, count(*)::int AS deliveries,
                   count(*) FILTER (WHERE d.status = 'refunded')::int AS refunded,
                   coalesce(sum(s.confirms), 0)::int AS confirms, coalesce(sum(s.requirement_rejects), 0)::int AS requirement_rejects,
                   coalesce(sum(s.accepts), 0)::int AS accepts, coalesce(sum(s.auto_accepts), 0)::int AS auto_accepts,
                   coalesce(sum(s.delivery_rejects), 0)::int AS delivery_rejects, coalesce(sum(k.tickets), 0)::int AS tickets,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY s.confirm_seconds) AS median_confirm_seconds
            FROM deliveries d
            CROSS JOIN LATERAL (
                SELECT count(*) FILTER (WHERE l.action = 'confirm_requirement') AS confirms,
                       count(*) FILTER (WHERE l.action = 'reject_requirement') AS requirement_rejects,
                       count(*) FILTER (WHERE l.action = 'accept') AS accepts,
                       count(*) FILTER (WHERE l.action = 'accept' AND l.timer IS NOT NULL) AS auto_accepts,
                       count(*) FILTER (WHERE l.action = 'reject_delivery') AS delivery_rejects,
                       -- from entering the confirming stage to the first confirmation
                       extract(epoch FROM min(l.at) FILTER (WHERE l.action = 'confirm_requirement')
                           - max(l.at) FILTER (WHERE l.to_stage = 'requirement_confirming' AND l.from_stage IS DISTINCT FROM l.to_stage
                                              AND l.seq < (SELECT min(c.seq) FROM process_log c WHERE c.delivery_id = d.id AND c.action = 'confirm_requirement')))::float8 AS confirm_seconds
                FROM process_log l WHERE l.delivery_id = d.id) s
            CROSS JOIN LATERAL (SELECT count(*) AS tickets FROM tickets t WHERE t.delivery_id = d.id) k
            WHERE d.created_at >= {from} AND d.created_at < {to}
            GROUP BY d.provider_id
            """).ToListAsync(cancellationToken);

        return rows.Select(r => new ProviderFigures(
                r.ProviderId,
                r.ProviderName,
                r.Deliveries,
                r.MedianConfirmSeconds is { } seconds ? TimeSpan.FromSeconds(Math.Round(seconds)) : null,
                Rate(r.RequirementRejects, r.Confirms + r.RequirementRejects),
                Rate(r.DeliveryRejects, r.Accepts + r.DeliveryRejects),
                Rate(r.AutoAccepts, r.Accepts),
                Rate(r.Refunded, r.Deliveries),
                r.Deliveries == 0 ? 0 : Math.Round((double)r.Tickets / r.Deliveries, 3)))
            .OrderByDescending(f => f.Deliveries).ThenBy(f => f.ProviderId, StringComparer.Ordinal)
            .ToList();
    }

    private static double? Rate(int part, int whole) => whole == 0 ? null : Math.Round((double)part / whole, 4);

    private sealed record ProviderRow(
        string ProviderId, string ProviderName, int Deliveries, int Refunded, int Confirms, int RequirementRejects,
        int Accepts, int AutoAccepts, int DeliveryRejects, int Tickets, double? MedianConfirmSeconds);
}

/// <summary>One provider's figures; a rate is null when nothing was decided in the range.</summary>
/// <param name="MedianTimeToConfirm">From the requirement reaching the provider to its confirmation.</param>
/// <param name="RequirementRejectionRate">Rejections ÷ (confirmations + rejections) of requirements.</param>
/// <param name="DeliveryRejectionRate">Rejections ÷ (acceptances + rejections) of delivered work.</param>
/// <param name="AutoAcceptanceRate">Acceptances by the 15-day clock ÷ all acceptances.</param>
/// <param name="RefundRate">Refunded deliveries ÷ deliveries.</param>
public sealed record ProviderFigures(
    string ProviderId,
    string ProviderName,
    int Deliveries,
    TimeSpan? MedianTimeToConfirm,
    double? RequirementRejectionRate,
    double? DeliveryRejectionRate,
    double? AutoAcceptanceRate,
    double? RefundRate,
    double TicketsPerDelivery);
