using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Application.Tickets;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Persistence;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Application.Operations;

/// <summary>
/// The operations console's overview: where deliveries stand and what needs the platform now. Every figure is an
/// index read whatever the number of deliveries: lists are short, counts that could be large are capped.
/// </summary>
public sealed class OperationsOverview(ServiceDeliveryDbContext db, DeliveryQueries deliveries, DeliveryOptions options, TimeProvider clock, IJobServers jobServers, OverviewCharts charts, DefinitionCatalog catalog)
{
    public const int DefaultStuckDays = 3;

    /// <summary>Counts above this read as "more than" (a count of half a million rows costs more than it tells).</summary>
    public const int CountCap = 10_000;

    public const int ChartDays = 14;

    /// <summary>Stage times are measured on the stage changes among the newest log rows (bounded work).</summary>
    public const int RecentLogRows = 50_000;

    private const int ListLength = 10;

    public async Task<Result<Overview>> ReadAsync(Caller caller, int stuckDays, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.Is(Caller.Platform))
        {
            return Failure.Forbidden;
        }

        if (stuckDays is < 1 or > DeliveryFilter.MaxStuckDays)
        {
            return Failure.Invalid(new InputError("stuckDays", "out_of_range", DeliveryFilter.MaxStuckDays));
        }

        var now = clock.GetUtcNow();
        var counts = await deliveries.CountsAsync(caller, cancellationToken);
        var actionTimers = await deliveries.ActionTimerKeysAsync(cancellationToken);
        var until = now + DeliveryQueries.DueSoonWindow;

        var quietSince = now.AddDays(-stuckDays);
        var figures = await FiguresAsync(actionTimers, until, quietSince, cancellationToken);

        var dueSoonTimers = db.Timers.AsNoTracking().Where(t => t.State == TimerRecord.States.Running && t.DueAt <= until && actionTimers.Contains(t.Key));
        var dueSoon = await dueSoonTimers.OrderBy(t => t.DueAt).Take(ListLength)
            .Join(db.Deliveries, t => t.DeliveryId, d => d.Id, (t, d) => new DueSoonItem(d.Id, d.OrderId, d.ProductName, d.ProviderName, d.Stage, t.DueAt!.Value))
            .ToListAsync(cancellationToken);

        // Platform tasks have no assignee: saying so lets the partial index of open platform tasks give them in order.
        var reviews = db.Tasks.AsNoTracking().Where(t => t.ClosedAt == null && t.Role == Caller.Platform && t.AssigneeId == null);
        var oldestReviews = await reviews.OrderBy(t => t.OpenedAt).Take(ListLength)
            .Join(db.Deliveries, t => t.DeliveryId, d => d.Id, (t, d) => new WaitingItem(d.Id, d.OrderId, d.ProductName, d.ProviderName, d.Stage, t.OpenedAt))
            .ToListAsync(cancellationToken);

        var tickets = await db.Tickets.AsNoTracking().Where(t => t.Status == TicketStatuses.Open)
            .GroupBy(t => t.Category)
            .Select(g => new TicketGroup(g.Key, g.Count(), g.Min(t => t.OpenedAt)))
            .ToListAsync(cancellationToken);

        // The charts sum hundreds of thousands of rows: computed at most once a minute per host, not per page view.
        var chart = await charts.GetAsync(now, async () => new ChartFigures(now, await PerDayAsync(now, cancellationToken), await StageTimesAsync(cancellationToken)));

        var lag = figures.OldestDue is { } due && due < now ? now - due : TimeSpan.Zero;

        return new Overview(
            now,
            counts,
            figures.DueSoon,
            dueSoon,
            Math.Min(figures.Reviews, CountCap + 1),
            oldestReviews,
            tickets.OrderByDescending(t => t.Count).ToList(),
            stuckDays,
            Math.Min(figures.QuietBefore + figures.QuietOnDay, CountCap + 1),
            figures.FailedMails,
            figures.FailedWebhooks,
            lag,
            jobServers.List(),
            chart.PerDay,
            chart.StageTimes,
            chart.At);
    }

    /// <summary>
    /// The heat map's figures: for each published version of <paramref name="key"/> (newest first), its deliveries
    /// still under way per stage and its finished ones per final status. Read from the kept counts: O(versions × stages)
    /// whatever the number of deliveries.
    /// </summary>
    public async Task<Result<IReadOnlyList<VersionCounts>>> PerVersionAsync(Caller caller, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.Is(Caller.Platform))
        {
            return Failure.Forbidden;
        }

        var versions = await db.DefinitionVersions.AsNoTracking().Where(v => v.Key == key).Select(v => v.Version).OrderByDescending(v => v).ToListAsync(cancellationToken);
        var counts = (await StageCounts.ReadPerVersionAsync(db, key, cancellationToken)).ToLookup(c => c.Version);
        var result = new List<VersionCounts>();
        foreach (var version in versions)
        {
            if (await catalog.GetAsync(db, key, version, cancellationToken) is not { } definition)
            {
                continue;
            }

            var active = definition.Stages.Where(s => !s.IsTerminal).ToDictionary(s => s.Key, _ => 0, StringComparer.Ordinal);
            var finished = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var count in counts[version])
            {
                if (definition.TryGetStage(count.Stage, out var stage) && stage.IsTerminal)
                {
                    var status = stage.Status.ToKey();
                    finished[status] = finished.GetValueOrDefault(status) + count.Count;
                }
                else
                {
                    active[count.Stage] = count.Count; // a stage the version no longer has still shows in the total
                }
            }

            result.Add(new VersionCounts(version, active, finished));
        }

        return result;
    }

    /// <summary>
    /// The overview's counts and the oldest due timer in one round trip (the overview is refreshed by every operator;
    /// a statement each cost more in round trips than in reading). The open reviews are kept
    /// (<see cref="OpenPlatformTaskCounts"/>); each other count is an index range capped at <see cref="CountCap"/> + 1. Stuck is counted as <see cref="Stuck.QuietSince"/> finds it: deliveries last written
    /// on a day before the day of the instant, by the index alone (index-only: quiet rows sit on all-visible pages), plus
    /// those of that day written before the instant, read only while the first count is under the cap.
    /// </summary>
    private async Task<OverviewFigures> FiguresAsync(string[] actionTimers, DateTimeOffset dueUntil, DateTimeOffset quietSince, CancellationToken cancellationToken)
    {
        var cap = CountCap + 1;
        var day = DateOnly.FromDateTime(quietSince.UtcDateTime);

        // The states and roles are literals, not parameters: the partial indexes' predicates must match in generic plans.
        return await db.Database.SqlQuery<OverviewFigures>($"""
            SELECT
                (SELECT count(*)::int FROM (SELECT 1 FROM timers WHERE state = 'running' AND due_at <= {dueUntil} AND key = ANY({actionTimers}) LIMIT {cap}) t) AS due_soon,
                (SELECT coalesce(sum(n), 0)::int FROM open_platform_task_counts) AS reviews,
                quiet.n AS quiet_before,
                CASE WHEN quiet.n >= {cap} THEN 0 ELSE (SELECT count(*)::int FROM (
                    SELECT 1 FROM deliveries WHERE status = 'active' AND updated_on = {day} AND updated_at < {quietSince} LIMIT {cap}) d) END AS quiet_on_day,
                failed.mails AS failed_mails,
                failed.webhooks AS failed_webhooks,
                (SELECT min(due_at) FROM timers WHERE state = 'running') AS oldest_due
            FROM (SELECT count(*)::int AS n FROM (SELECT 1 FROM deliveries WHERE status = 'active' AND updated_on < {day} LIMIT {cap}) d) AS quiet,
                 (SELECT (count(*) FILTER (WHERE kind = 'email'))::int AS mails, (count(*) FILTER (WHERE kind = 'webhook'))::int AS webhooks
                  FROM outbox WHERE status = 'failed') AS failed
            """).SingleAsync(cancellationToken);
    }

    /// <summary>Started, completed and refunded per day (in the service's time zone), the last <see cref="ChartDays"/> days.</summary>
    private async Task<IReadOnlyList<DayCount>> PerDayAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(options.DefaultTimeZone);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).Date);
        var firstDay = today.AddDays(1 - ChartDays);
        var from = new DateTimeOffset(firstDay.ToDateTime(TimeOnly.MinValue), zone.GetUtcOffset(firstDay.ToDateTime(TimeOnly.MinValue))).ToUniversalTime();
        var tz = options.DefaultTimeZone;
        var started = await db.Database.SqlQuery<DayRow>($"""
            SELECT (created_at AT TIME ZONE {tz})::date AS day, 'started' AS kind, count(*)::int AS count
            FROM deliveries WHERE created_at >= {from} GROUP BY 1
            UNION ALL
            SELECT (stage_entered_at AT TIME ZONE {tz})::date, status, count(*)::int
            FROM deliveries WHERE status IN ('completed', 'refunded') AND stage_entered_at >= {from} GROUP BY 1, 2
            """).ToListAsync(cancellationToken);
        var byDay = started.ToLookup(r => (r.Day, r.Kind));
        return [.. Enumerable.Range(0, ChartDays).Select(i => firstDay.AddDays(i)).Select(day => new DayCount(
            day,
            byDay[(day, "started")].Sum(r => r.Count),
            byDay[(day, "completed")].Sum(r => r.Count),
            byDay[(day, "refunded")].Sum(r => r.Count)))];
    }

    /// <summary>
    /// Median and p90 time spent in each stage, measured on the stage changes among the newest
    /// <see cref="RecentLogRows"/> log rows: each against the step that entered the stage.
    /// </summary>
    private async Task<IReadOnlyList<StageTime>> StageTimesAsync(CancellationToken cancellationToken)
    {
        var rows = await db.Database.SqlQuery<StageTimeRow>($"""
            WITH recent AS (SELECT delivery_id, seq, at, from_stage, to_stage FROM process_log ORDER BY id DESC LIMIT {RecentLogRows}),
            left_stage AS (SELECT * FROM recent WHERE from_stage IS NOT NULL AND from_stage <> to_stage)
            SELECT l.from_stage AS stage, count(*)::int AS count,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM l.at - e.at))::float8 AS median,
                   percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM l.at - e.at))::float8 AS p90
            FROM left_stage l
            CROSS JOIN LATERAL (
                SELECT p.at FROM process_log p
                WHERE p.delivery_id = l.delivery_id AND p.seq < l.seq AND p.to_stage = l.from_stage AND p.from_stage IS DISTINCT FROM p.to_stage
                ORDER BY p.seq DESC LIMIT 1) e
            GROUP BY l.from_stage
            """).ToListAsync(cancellationToken);
        return [.. rows.Select(r => new StageTime(r.Stage, r.Count, TimeSpan.FromSeconds(r.Median), TimeSpan.FromSeconds(r.P90)))];
    }

    private sealed record OverviewFigures(int DueSoon, int Reviews, int QuietBefore, int QuietOnDay, int FailedMails, int FailedWebhooks, DateTimeOffset? OldestDue);

    private sealed record DayRow(DateOnly Day, string Kind, int Count);

    private sealed record StageTimeRow(string Stage, int Count, double Median, double P90);
}

/// <summary>The console's overview at <see cref="At"/>.</summary>
/// <param name="DueSoonCount">Capped at <see cref="OperationsOverview.CountCap"/> + 1.</param>
/// <param name="StuckCount">Active deliveries with nothing written for <see cref="StuckDays"/> days (capped).</param>
/// <param name="TimerLag">How late the oldest due timer not yet fired is (zero when none is late).</param>
public sealed record Overview(
    DateTimeOffset At,
    IReadOnlyDictionary<string, int> StageCounts,
    int DueSoonCount,
    IReadOnlyList<DueSoonItem> DueSoon,
    int RefundReviewCount,
    IReadOnlyList<WaitingItem> RefundReviews,
    IReadOnlyList<TicketGroup> OpenTickets,
    int StuckDays,
    int StuckCount,
    int FailedMails,
    int FailedWebhooks,
    TimeSpan TimerLag,
    IReadOnlyList<JobServerView> JobServers,
    IReadOnlyList<DayCount> PerDay,
    IReadOnlyList<StageTime> StageTimes,
    DateTimeOffset ChartsAt);

/// <summary>One version's deliveries: under way per stage (every non-final stage listed) and finished per final status.</summary>
public sealed record VersionCounts(int Version, IReadOnlyDictionary<string, int> Active, IReadOnlyDictionary<string, int> Finished)
{
    public int ActiveTotal => Active.Values.Sum();
}

/// <summary>The overview's charts as of <see cref="At"/>.</summary>
public sealed record ChartFigures(DateTimeOffset At, IReadOnlyList<DayCount> PerDay, IReadOnlyList<StageTime> StageTimes);

/// <summary>
/// The overview's charts, kept for a minute in this host (derived figures, not state: each host computes its own,
/// and a lost cache costs one computation). One computation at a time, so a burst of page views runs it once; while
/// it runs, the other views get the previous figures (with their time) instead of queueing behind it.
/// </summary>
public sealed class OverviewCharts : IDisposable
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(1);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile ChartFigures? _figures;

    public async Task<ChartFigures> GetAsync(DateTimeOffset now, Func<Task<ChartFigures>> compute)
    {
        ArgumentNullException.ThrowIfNull(compute);
        if (Fresh(now) is { } fresh)
        {
            return fresh;
        }

        if (_figures is { } previous)
        {
            if (!_gate.Wait(0))
            {
                return previous;
            }
        }
        else
        {
            await _gate.WaitAsync();
        }

        try
        {
            return Fresh(now) ?? (_figures = await compute());
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private ChartFigures? Fresh(DateTimeOffset now) => _figures is { } f && now - f.At < MaxAge && now >= f.At ? f : null;
}

public sealed record DueSoonItem(Guid DeliveryId, string OrderId, string ProductName, string ProviderName, string Stage, DateTimeOffset DueAt);

public sealed record WaitingItem(Guid DeliveryId, string OrderId, string ProductName, string ProviderName, string Stage, DateTimeOffset Since);

public sealed record TicketGroup(string Category, int Count, DateTimeOffset OldestOpenedAt);

public sealed record DayCount(DateOnly Day, int Started, int Completed, int Refunded);

public sealed record StageTime(string Stage, int Count, TimeSpan Median, TimeSpan P90);
