using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Tickets;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Persistence;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Application.Deliveries;

/// <summary>
/// The delivery centre's reads: lists with keyset pagination, counts per stage, the process log, the task inbox.
/// Each is a fixed number of queries whatever the page size (no N+1), on the indexes of the persistence model.
/// </summary>
public sealed class DeliveryQueries(ServiceDeliveryDbContext db, DefinitionCatalog catalog, DeliveryOptions options, TimeProvider clock)
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;

    /// <summary>"Due soon": the running action timer (auto-acceptance) falls due within this.</summary>
    public static readonly TimeSpan DueSoonWindow = TimeSpan.FromHours(24);

    /// <summary>Rows per round trip of an export.</summary>
    private const int ExportBatch = 500;

    /// <summary>One delivery as the caller may see it.</summary>
    public async Task<Result<DeliveryView>> GetAsync(Caller caller, Guid deliveryId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var record = await db.Deliveries.AsNoTracking().FirstOrDefaultAsync(d => d.Id == deliveryId, cancellationToken);
        if (record is null || !DeliveryAccess.CanSee(caller, record))
        {
            return Failure.NotFound;
        }

        return await ViewAsync(db, catalog, record, cancellationToken);
    }

    /// <summary>A delivery row as the application shows it (with when its acceptance clock falls due).</summary>
    internal static async Task<DeliveryView> ViewAsync(ServiceDeliveryDbContext db, DefinitionCatalog catalog, DeliveryRecord record, CancellationToken cancellationToken)
    {
        var definition = await catalog.GetAsync(db, record.DefinitionKey, record.DefinitionVersion, cancellationToken);
        var timers = await db.Timers.AsNoTracking().Where(t => t.DeliveryId == record.Id && t.State == TimerRecord.States.Running).ToListAsync(cancellationToken);
        return DeliveryAggregate.ToView(record, definition is null ? null : DeliveryAggregate.ActionTimerDue(definition, timers));
    }

    /// <summary>Deliveries the caller may see, newest first.</summary>
    public async Task<Result<Page<DeliveryView>>> ListAsync(Caller caller, DeliveryFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(filter);
        if (!Cursor.TryParse(filter.Cursor, out var cursor) || filter.Limit is < 1 or > MaxLimit)
        {
            return Failure.Invalid(filter.Limit is < 1 or > MaxLimit ? new InputError("limit", "out_of_range", MaxLimit) : new InputError("cursor", "invalid"));
        }

        if (filter.Check() is { } invalid)
        {
            return Failure.Invalid(invalid);
        }

        return await PageAsync(caller, filter, cursor, filter.Limit ?? DefaultLimit, cancellationToken);
    }

    /// <summary>Every delivery of the filter, newest first, read in keyset batches: an export of any size in constant memory.</summary>
    public async IAsyncEnumerable<DeliveryView> ExportAsync(Caller caller, DeliveryFilter filter, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(filter);
        (DateTimeOffset At, Guid Id)? cursor = null;
        do
        {
            var page = await PageAsync(caller, filter, cursor, ExportBatch, cancellationToken);
            foreach (var item in page.Items)
            {
                yield return item;
            }

            cursor = page.Items.Count == ExportBatch ? (page.Items[^1].CreatedAt, page.Items[^1].Id) : null;
        }
        while (cursor is not null);
    }

    private async Task<Page<DeliveryView>> PageAsync(Caller caller, DeliveryFilter filter, (DateTimeOffset At, Guid Id)? cursor, int limit, CancellationToken cancellationToken)
    {
        var actionTimers = filter.DueSoon == true ? await ActionTimerKeysAsync(cancellationToken) : [];
        var query = Filtered(db.Deliveries.AsNoTracking().VisibleTo(caller), filter, actionTimers);
        if (cursor is { } after)
        {
            query = query.Where(d => EF.Functions.LessThan(ValueTuple.Create(d.CreatedAt, d.Id), ValueTuple.Create(after.At, after.Id)));
        }

        var rows = await query.OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id).Take(limit + 1).ToListAsync(cancellationToken);
        var page = rows.Take(limit).ToList();
        var due = await AutoAcceptAtAsync(page, cancellationToken);
        var next = rows.Count > limit ? Cursor.Format(page[^1].CreatedAt, page[^1].Id) : null;
        return new Page<DeliveryView>([.. page.Select(d => DeliveryAggregate.ToView(d, due.GetValueOrDefault(d.Id)))], next);
    }

    private IQueryable<DeliveryRecord> Filtered(IQueryable<DeliveryRecord> query, DeliveryFilter filter, string[] actionTimers)
    {
        var now = clock.GetUtcNow();
        if (!string.IsNullOrWhiteSpace(filter.Stage))
        {
            query = query.Where(d => d.Stage == filter.Stage);
        }

        if (filter.Stages is { Count: > 0 } stages)
        {
            var keys = stages.ToArray();
            query = query.Where(d => keys.Contains(d.Stage));
        }

        if (!string.IsNullOrWhiteSpace(filter.Status))
        {
            query = query.Where(d => d.Status == filter.Status);
        }

        if (!string.IsNullOrWhiteSpace(filter.DefinitionKey))
        {
            query = query.Where(d => d.DefinitionKey == filter.DefinitionKey);
        }

        if (filter.DefinitionVersion is { } version)
        {
            query = query.Where(d => d.DefinitionVersion == version);
        }

        if (!string.IsNullOrWhiteSpace(filter.ProviderId))
        {
            query = query.Where(d => d.ProviderId == filter.ProviderId);
        }

        if (!string.IsNullOrWhiteSpace(filter.BuyerId))
        {
            query = query.Where(d => d.BuyerId == filter.BuyerId);
        }

        if (!string.IsNullOrWhiteSpace(filter.ProductId))
        {
            query = query.Where(d => d.ProductId == filter.ProductId);
        }

        if (!string.IsNullOrWhiteSpace(filter.OrderId))
        {
            query = query.Where(d => d.OrderId == filter.OrderId);
        }

        // PostgreSQL's timestamptz takes UTC instants; "2026-11-01T00:00+08:00" is the same instant in UTC.
        if (filter.CreatedFrom is { } fromAt)
        {
            var from = fromAt.ToUniversalTime();
            query = query.Where(d => d.CreatedAt >= from);
        }

        if (filter.CreatedTo is { } toAt)
        {
            var to = toAt.ToUniversalTime();
            query = query.Where(d => d.CreatedAt < to);
        }

        if (filter.DueSoon == true)
        {
            var until = now + DueSoonWindow;
            query = query.Where(d => db.Timers.Any(t => t.DeliveryId == d.Id && t.State == TimerRecord.States.Running && t.DueAt <= until && actionTimers.Contains(t.Key)));
        }

        if (filter.StuckDays is { } days)
        {
            var quietSince = now.AddDays(-days);
            query = query.QuietSince(quietSince);
        }

        if (filter.OpenTicket == true)
        {
            query = query.Where(d => db.Tickets.Any(t => t.DeliveryId == d.Id && t.Status == TicketStatuses.Open));
        }

        if (filter.FailedNotification == true)
        {
            query = query.Where(d => db.Outbox.Any(o => o.DeliveryId == d.Id && o.Status == OutboxRecord.Statuses.Failed));
        }

        if (!string.IsNullOrWhiteSpace(filter.Q))
        {
            var pattern = "%" + Escape(filter.Q.Trim()) + "%";
            query = query.Where(d => EF.Functions.ILike(d.OrderId, pattern, "\\") || EF.Functions.ILike(d.ProductName, pattern, "\\"));
        }

        return query;
    }

    /// <summary>
    /// Up to <paramref name="limit"/> providers (or buyers) whose name contains <paramref name="text"/> or whose id starts
    /// with it, names that start with it first: the console's typeahead. The parties are read from the deliveries
    /// (there is no party table): a skip scan over the (party id, created_at, id) index visits each distinct id once,
    /// so the cost follows the number of parties, not of deliveries (docs/benchmarks.md: figures on 1,000,000 deliveries).
    /// </summary>
    public async Task<IReadOnlyList<PartyOption>> PartiesAsync(PartyKind kind, string? text, int limit, CancellationToken cancellationToken)
    {
        var escaped = Escape((text ?? string.Empty).Trim());
        var contains = "%" + escaped + "%";
        var prefix = escaped + "%";
        limit = Math.Clamp(limit, 1, MaxLimit);

        // Column names cannot be parameters: one statement per kind, the same shape.
        var rows = kind == PartyKind.Provider
            ? db.Database.SqlQuery<PartyOption>($"""
                WITH RECURSIVE ids AS (
                    (SELECT provider_id AS id FROM deliveries ORDER BY provider_id LIMIT 1)
                    UNION ALL
                    SELECT (SELECT d.provider_id FROM deliveries d WHERE d.provider_id > ids.id ORDER BY d.provider_id LIMIT 1) FROM ids WHERE ids.id IS NOT NULL)
                SELECT p."Id", p."Name" FROM (
                    SELECT ids.id AS "Id", (SELECT d.provider_name FROM deliveries d WHERE d.provider_id = ids.id ORDER BY d.created_at DESC LIMIT 1) AS "Name"
                    FROM ids WHERE ids.id IS NOT NULL) p
                WHERE p."Name" ILIKE {contains} OR p."Id" ILIKE {prefix}
                ORDER BY p."Name" ILIKE {prefix} DESC, p."Name", p."Id"
                LIMIT {limit}
                """)
            : db.Database.SqlQuery<PartyOption>($"""
                WITH RECURSIVE ids AS (
                    (SELECT buyer_id AS id FROM deliveries ORDER BY buyer_id LIMIT 1)
                    UNION ALL
                    SELECT (SELECT d.buyer_id FROM deliveries d WHERE d.buyer_id > ids.id ORDER BY d.buyer_id LIMIT 1) FROM ids WHERE ids.id IS NOT NULL)
                SELECT p."Id", p."Name" FROM (
                    SELECT ids.id AS "Id", (SELECT d.buyer_name FROM deliveries d WHERE d.buyer_id = ids.id ORDER BY d.created_at DESC LIMIT 1) AS "Name"
                    FROM ids WHERE ids.id IS NOT NULL) p
                WHERE p."Name" ILIKE {contains} OR p."Id" ILIKE {prefix}
                ORDER BY p."Name" ILIKE {prefix} DESC, p."Name", p."Id"
                LIMIT {limit}
                """);
        return await rows.ToListAsync(cancellationToken);
    }

    /// <summary>The name a party has on its newest delivery (null if it has none): a filter's chip from a link.</summary>
    public Task<string?> PartyNameAsync(PartyKind kind, string id, CancellationToken cancellationToken) => kind == PartyKind.Provider
        ? db.Deliveries.AsNoTracking().Where(d => d.ProviderId == id).OrderByDescending(d => d.CreatedAt).Select(d => d.ProviderName).FirstOrDefaultAsync(cancellationToken)
        : db.Deliveries.AsNoTracking().Where(d => d.BuyerId == id).OrderByDescending(d => d.CreatedAt).Select(d => d.BuyerName).FirstOrDefaultAsync(cancellationToken);

    /// <summary>Keys of the timers that perform an action (not reminders) in any published definition: auto-acceptance and its kind.</summary>
    public async Task<string[]> ActionTimerKeysAsync(CancellationToken cancellationToken)
    {
        var versions = await db.DefinitionVersions.AsNoTracking().Select(v => new { v.Key, v.Version }).ToListAsync(cancellationToken);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var v in versions)
        {
            if (await catalog.GetAsync(db, v.Key, v.Version, cancellationToken) is { } definition)
            {
                keys.UnionWith(definition.Stages.SelectMany(s => s.Timers).Where(t => !t.IsReminder).Select(t => t.Key));
            }
        }

        return [.. keys.Order(StringComparer.Ordinal)];
    }

    /// <summary>How many of the caller's deliveries are in each stage (every stage of the default process listed).</summary>
    public async Task<IReadOnlyDictionary<string, int>> CountsAsync(Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);

        // Those who see every delivery read the kept counters; a party's own deliveries are counted on its index.
        var counts = DeliveryAccess.SeesAll(caller)
            ? await StageCounts.ReadAsync(db, cancellationToken)
            : await db.Deliveries.AsNoTracking().VisibleTo(caller)
                .GroupBy(d => d.Stage)
                .Select(g => new { Stage = g.Key, Count = g.Count() })
                .ToDictionaryAsync(g => g.Stage, g => g.Count, cancellationToken);
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        if (await catalog.LatestAsync(db, options.DefaultDefinition, cancellationToken) is { } definition)
        {
            foreach (var stage in definition.Stages)
            {
                result[stage.Key] = 0;
            }
        }

        foreach (var (stage, count) in counts)
        {
            result[stage] = count;
        }

        return result;
    }

    /// <summary>Log entries one page of the API holds unless the caller asks for fewer.</summary>
    public const int DefaultLogLimit = 500;

    /// <summary>The most log entries one page of the API holds.</summary>
    public const int MaxLogLimit = 1000;

    /// <summary>The whole process log, oldest first (the pages group it by stage); platform-internal texts only for the platform.</summary>
    public Task<Result<DeliveryLog>> LogAsync(Caller caller, Guid deliveryId, CancellationToken cancellationToken) =>
        LogPageAsync(caller, deliveryId, after: null, limit: null, cancellationToken);

    /// <summary>
    /// The process log in keyset pages, oldest first: the entries after sequence number <paramref name="after"/>,
    /// at most <paramref name="limit"/> (null: all); <see cref="DeliveryLog.NextAfter"/> says where the next page starts.
    /// </summary>
    public async Task<Result<DeliveryLog>> LogPageAsync(Caller caller, Guid deliveryId, int? after, int? limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (after is < 0 || limit is < 1 or > MaxLogLimit)
        {
            return Failure.Invalid(after is < 0 ? new InputError("after", "out_of_range") : new InputError("limit", "out_of_range", MaxLogLimit));
        }

        var delivery = await db.Deliveries.AsNoTracking().FirstOrDefaultAsync(d => d.Id == deliveryId, cancellationToken);
        if (delivery is null || !DeliveryAccess.CanSee(caller, delivery))
        {
            return Failure.NotFound;
        }

        var from = after ?? 0;
        var rows = db.ProcessLog.AsNoTracking().Where(l => l.DeliveryId == deliveryId && l.Seq > from).OrderBy(l => l.Seq);
        var entries = await (limit is { } take ? rows.Take(take + 1) : rows).ToListAsync(cancellationToken);
        int? nextAfter = null;
        if (limit is { } pageSize && entries.Count > pageSize)
        {
            entries.RemoveAt(entries.Count - 1);
            nextAfter = entries[^1].Seq;
        }

        var ids = entries.SelectMany(e => e.AttachmentIds).Distinct().ToList();
        var files = ids.Count == 0
            ? []
            : await db.Attachments.AsNoTracking().Where(a => ids.Contains(a.Id)).ToDictionaryAsync(a => a.Id, cancellationToken);
        var platform = caller.Is(Caller.Platform);
        return new DeliveryLog(delivery.DefinitionKey, delivery.DefinitionVersion, [.. entries.Select(e => new LogEntryView(
            e.Seq,
            e.At,
            new ActorView(e.ActorId, e.ActorName, e.ActorRole),
            e.Action,
            e.FromStage,
            e.ToStage,
            e.Data,
            platform ? e.InternalData : null,
            [.. e.AttachmentIds.Where(files.ContainsKey).Select(id => AttachmentView.From(files[id]))],
            e.Timer))], nextAfter);
    }

    /// <summary>
    /// The caller's inbox, oldest first: open tasks of their deliveries (buyer, provider staff) or, for the
    /// platform, refund reviews and open tickets.
    /// </summary>
    public async Task<Result<Page<InboxItem>>> InboxAsync(Caller caller, string? cursorText, int? limitValue, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!Cursor.TryParse(cursorText, out var cursor) || limitValue is < 1 or > 200)
        {
            return Failure.Invalid(limitValue is < 1 or > 200 ? new InputError("limit", "out_of_range", 200) : new InputError("cursor", "invalid"));
        }

        var limit = limitValue ?? 50;
        var buyerId = caller.Is(Caller.Buyer) ? caller.Id : null;
        var providerId = caller.Is(Caller.Provider) ? caller.ProviderId : null;
        var platform = caller.Is(Caller.Platform);
        var tasks = db.Tasks.AsNoTracking().Where(t => t.ClosedAt == null && (
            (buyerId != null && t.Role == "buyer" && t.AssigneeId == buyerId) ||
            (providerId != null && t.Role == "provider" && t.AssigneeId == providerId) ||
            (platform && t.Role == "platform")));
        if (cursor is { } after)
        {
            tasks = tasks.Where(t => EF.Functions.GreaterThan(ValueTuple.Create(t.OpenedAt, t.Id), ValueTuple.Create(after.At, after.Id)));
        }

        var taskRows = await tasks.OrderBy(t => t.OpenedAt).ThenBy(t => t.Id).Take(limit + 1)
            .Join(db.Deliveries, t => t.DeliveryId, d => d.Id, (t, d) => new { Task = t, Delivery = d })
            .ToListAsync(cancellationToken);

        var items = new List<InboxItem>();
        foreach (var row in taskRows)
        {
            var definition = await catalog.GetAsync(db, row.Delivery.DefinitionKey, row.Delivery.DefinitionVersion, cancellationToken);
            var actions = definition is not null && ActorRoles.TryParse(row.Task.Role, out var role) && definition.TryGetStage(row.Task.Stage, out var stage)
                ? stage.ActionKeysFor(role).ToArray()
                : [];
            items.Add(new InboxItem(row.Task.Id, "task", row.Delivery.Id, row.Delivery.OrderId, row.Delivery.ProductName, row.Delivery.DefinitionKey, row.Delivery.DefinitionVersion, row.Task.Stage, row.Task.Role, actions, row.Task.OpenedAt, null, null, null));
        }

        if (platform)
        {
            var tickets = db.Tickets.AsNoTracking().Where(t => t.Status == TicketStatuses.Open);
            if (cursor is { } afterTicket)
            {
                tickets = tickets.Where(t => EF.Functions.GreaterThan(ValueTuple.Create(t.OpenedAt, t.Id), ValueTuple.Create(afterTicket.At, afterTicket.Id)));
            }

            var ticketRows = await tickets.OrderBy(t => t.OpenedAt).ThenBy(t => t.Id).Take(limit + 1)
                .Join(db.Deliveries, t => t.DeliveryId, d => d.Id, (t, d) => new { Ticket = t, Delivery = d })
                .ToListAsync(cancellationToken);
            items.AddRange(ticketRows.Select(r => new InboxItem(
                r.Ticket.Id, "ticket", r.Delivery.Id, r.Delivery.OrderId, r.Delivery.ProductName, r.Delivery.DefinitionKey, r.Delivery.DefinitionVersion,
                r.Delivery.Stage, Caller.Platform, ["resolve_ticket"], r.Ticket.OpenedAt, null, r.Ticket.Id, r.Ticket.Subject)));
        }

        var ordered = items.OrderBy(i => i.CreatedAt).ThenBy(i => i.Id).ToList();
        var page = ordered.Take(limit).ToList();
        var due = await AutoAcceptAtAsync(page.Where(i => i.Kind == "task").Select(i => i.DeliveryId).Distinct().ToList(), cancellationToken);
        page = [.. page.Select(i => i.Kind == "task" && due.TryGetValue(i.DeliveryId, out var at) ? i with { DueAt = at } : i)];
        var next = ordered.Count > limit ? Cursor.Format(page[^1].CreatedAt, page[^1].Id) : null;
        return new Page<InboxItem>(page, next);
    }

    private async Task<Dictionary<Guid, DateTimeOffset?>> AutoAcceptAtAsync(IReadOnlyCollection<DeliveryRecord> deliveries, CancellationToken cancellationToken) =>
        await AutoAcceptAtAsync(deliveries.Select(d => d.Id).ToList(), cancellationToken);

    private async Task<Dictionary<Guid, DateTimeOffset?>> AutoAcceptAtAsync(List<Guid> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        var timers = await db.Timers.AsNoTracking()
            .Where(t => ids.Contains(t.DeliveryId) && t.State == TimerRecord.States.Running)
            .Join(db.Deliveries, t => t.DeliveryId, d => d.Id, (t, d) => new { Timer = t, d.DefinitionKey, d.DefinitionVersion })
            .ToListAsync(cancellationToken);
        var result = new Dictionary<Guid, DateTimeOffset?>();
        foreach (var group in timers.GroupBy(t => t.Timer.DeliveryId))
        {
            var first = group.First();
            var definition = await catalog.GetAsync(db, first.DefinitionKey, first.DefinitionVersion, cancellationToken);
            result[group.Key] = definition is null ? null : DeliveryAggregate.ActionTimerDue(definition, group.Select(g => g.Timer));
        }

        return result;
    }

    private static string Escape(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}

/// <summary>List filters of <c>GET /api/v1/deliveries</c> and of the operations console (all combine with AND).</summary>
public sealed record DeliveryFilter(string? Stage = null, string? Status = null, string? Q = null, string? Cursor = null, int? Limit = null)
{
    public const int MaxStuckDays = 3650;

    /// <summary>
    /// The filters of a query string, by the names the API documents (<c>stage</c>, <c>providerId</c>, <c>createdFrom</c>
    /// as an instant, …): the one mapping from those names to a filter, for the API, its CSV export and the console's
    /// list alike. A value that does not parse is left out (the API's binding has refused it already).
    /// </summary>
    public static DeliveryFilter FromQuery(string? query)
    {
        var values = System.Web.HttpUtility.ParseQueryString(query ?? string.Empty);
        string? Text(string name) => values[name] is { } v && !string.IsNullOrWhiteSpace(v) ? v : null;
        int? Int(string name) => int.TryParse(Text(name), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : null;
        bool? Flag(string name) => bool.TryParse(Text(name), out var b) ? b : null;
        DateTimeOffset? At(string name) => DateTimeOffset.TryParse(Text(name), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
        return new DeliveryFilter(Text("stage"), Text("status"), Text("q"), Text("cursor"), Int("limit"))
        {
            DefinitionKey = Text("definitionKey"),
            DefinitionVersion = Int("definitionVersion"),
            ProviderId = Text("providerId"),
            BuyerId = Text("buyerId"),
            ProductId = Text("productId"),
            OrderId = Text("orderId"),
            CreatedFrom = At("createdFrom"),
            CreatedTo = At("createdTo"),
            DueSoon = Flag("dueSoon"),
            StuckDays = Int("stuckDays"),
            OpenTicket = Flag("openTicket"),
            FailedNotification = Flag("failedNotification"),
        };
    }

    /// <summary>
    /// The console's list and its CSV export: the same names, but <c>stage</c> may repeat (any of those stages).
    /// The API's <c>stage</c> stays one stage, as API.md has it.
    /// </summary>
    public static DeliveryFilter FromConsoleQuery(string? query)
    {
        var stages = (System.Web.HttpUtility.ParseQueryString(query ?? string.Empty).GetValues("stage") ?? [])
            .Where(s => !string.IsNullOrWhiteSpace(s)).Distinct(StringComparer.Ordinal).ToArray();
        return FromQuery(query) with { Stage = null, Stages = stages.Length > 0 ? stages : null };
    }

    /// <summary>Any of these stages (the console's multi-select); combines with <see cref="Stage"/> like every filter.</summary>
    public IReadOnlyList<string>? Stages { get; init; }

    public string? DefinitionKey { get; init; }

    public int? DefinitionVersion { get; init; }

    public string? ProviderId { get; init; }

    public string? BuyerId { get; init; }

    public string? ProductId { get; init; }

    public string? OrderId { get; init; }

    /// <summary>Created at or after.</summary>
    public DateTimeOffset? CreatedFrom { get; init; }

    /// <summary>Created before.</summary>
    public DateTimeOffset? CreatedTo { get; init; }

    /// <summary>Auto-acceptance (or another action timer) falls due within 24 hours.</summary>
    public bool? DueSoon { get; init; }

    /// <summary>Active and nothing written for this many days.</summary>
    public int? StuckDays { get; init; }

    public bool? OpenTicket { get; init; }

    /// <summary>A mail or webhook of the delivery failed past its retries.</summary>
    public bool? FailedNotification { get; init; }

    /// <summary>The first filter value out of range, if any.</summary>
    public InputError? Check() =>
        StuckDays is < 1 or > MaxStuckDays ? new InputError("stuckDays", "out_of_range", MaxStuckDays)
        : DefinitionVersion is < 1 ? new InputError("definitionVersion", "out_of_range")
        : CreatedFrom is { } from && CreatedTo is { } to && to < from ? new InputError("createdTo", "out_of_range")
        : null;
}

public enum PartyKind
{
    Provider,
    Buyer,
}

/// <summary>A provider or buyer as the deliveries name it: an option of the console's typeahead.</summary>
public sealed record PartyOption(string Id, string Name);

/// <summary>A page of a keyset-paginated list.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <param name="NextAfter">When more entries follow this page: the sequence number the next page starts after.</param>
public sealed record DeliveryLog(string DefinitionKey, int DefinitionVersion, IReadOnlyList<LogEntryView> Entries, int? NextAfter = null);

public sealed record LogEntryView(
    int Seq,
    DateTimeOffset At,
    ActorView Actor,
    string Action,
    string? FromStage,
    string ToStage,
    IReadOnlyDictionary<string, string> Data,
    IReadOnlyDictionary<string, string>? InternalData,
    IReadOnlyList<AttachmentView> Attachments,
    string? Timer);

public sealed record ActorView(string Id, string Name, string Role);

public sealed record AttachmentView(Guid Id, string FileName, long Size, string ContentType, string Sha256)
{
    public static AttachmentView From(AttachmentRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new(record.Id, record.FileName, record.Size, record.ContentType, record.Sha256);
    }
}

/// <summary>One inbox entry: an open task, or (for the platform) an open ticket.</summary>
public sealed record InboxItem(
    Guid Id,
    string Kind,
    Guid DeliveryId,
    string OrderId,
    string ProductName,
    string DefinitionKey,
    int DefinitionVersion,
    string Stage,
    string Role,
    IReadOnlyList<string> Actions,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DueAt,
    Guid? TicketId,
    string? TicketSubject);

/// <summary>Keyset cursors: the (time, id) of the last item seen, opaque to clients.</summary>
public static class Cursor
{
    public static string Format(DateTimeOffset at, Guid id) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{at.UtcTicks.ToString(CultureInfo.InvariantCulture)}_{id:N}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool TryParse(string? text, out (DateTimeOffset At, Guid Id)? cursor)
    {
        cursor = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        try
        {
            var padded = text.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - (padded.Length % 4)) % 4);
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(padded)).Split('_');
            if (parts.Length == 2 && long.TryParse(parts[0], CultureInfo.InvariantCulture, out var ticks) && Guid.TryParseExact(parts[1], "N", out var id)
                && ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks)
            {
                cursor = (new DateTimeOffset(ticks, TimeSpan.Zero), id);
                return true;
            }
        }
        catch (FormatException)
        {
        }

        return false;
    }
}
