using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Persistence;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Application.Notifications;

/// <summary>The operators' view of the outbox: what is pending, sent or failed, and retrying a failed message.</summary>
public sealed class NotificationAdmin(ServiceDeliveryDbContext db, TimeProvider clock, Commits commits)
{
    public async Task<Result<Page<NotificationView>>> ListAsync(Caller caller, string? status, string? cursorText, int? limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.Is(Caller.Platform))
        {
            return Failure.Forbidden;
        }

        if (status is not (null or "" or OutboxRecord.Statuses.Pending or OutboxRecord.Statuses.Sent or OutboxRecord.Statuses.Failed))
        {
            return Failure.Invalid(new InputError("status", "not_allowed_value"));
        }

        if (limit is < 1 or > 200 || !long.TryParse(cursorText ?? "0", System.Globalization.CultureInfo.InvariantCulture, out var after) || after < 0)
        {
            return Failure.Invalid(limit is < 1 or > 200 ? new InputError("limit", "out_of_range", 200) : new InputError("cursor", "invalid"));
        }

        var query = db.Outbox.AsNoTracking();
        if (!string.IsNullOrEmpty(status))
        {
            query = query.Where(o => o.Status == status);
        }

        if (after > 0)
        {
            query = query.Where(o => o.Id < after);
        }

        var take = limit ?? 50;
        var rows = await query.OrderByDescending(o => o.Id).Take(take + 1).ToListAsync(cancellationToken);
        var page = rows.Take(take).Select(ToView).ToList();
        return new Page<NotificationView>(page, rows.Count > take ? page[^1].Id.ToString(System.Globalization.CultureInfo.InvariantCulture) : null);
    }

    /// <summary>Puts a failed message back in the queue, to be sent at once.</summary>
    public async Task<Result<NotificationView>> RetryAsync(Caller caller, long id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.Is(Caller.Platform))
        {
            return Failure.Forbidden;
        }

        var row = await db.Outbox.FirstOrDefaultAsync(o => o.Id == id, cancellationToken);
        if (row is null)
        {
            return Failure.NotFound;
        }

        if (row.Status != OutboxRecord.Statuses.Failed)
        {
            return new Failure(Failure.InvalidTransitionCode) { Stage = row.Status };
        }

        row.Status = OutboxRecord.Statuses.Pending;
        row.Attempts = 0;
        row.NextAttemptAt = clock.Now();
        await commits.SaveAsync(db, CommitNotice.OutboxOnly);
        return ToView(row);
    }

    public const int MaxRetryBatch = 200;

    /// <summary>Puts the failed ones among <paramref name="ids"/> back in the queue in one statement; answers how many.</summary>
    public async Task<Result<int>> RetryManyAsync(Caller caller, IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(ids);
        if (!caller.Is(Caller.Platform))
        {
            return Failure.Forbidden;
        }

        if (ids.Count is 0 or > MaxRetryBatch)
        {
            return Failure.Invalid(new InputError("ids", ids.Count == 0 ? "required" : "out_of_range", MaxRetryBatch));
        }

        var now = clock.Now();
        var retried = await db.Outbox
            .Where(o => ids.Contains(o.Id) && o.Status == OutboxRecord.Statuses.Failed)
            .ExecuteUpdateAsync(set => set.SetProperty(o => o.Status, OutboxRecord.Statuses.Pending).SetProperty(o => o.Attempts, 0).SetProperty(o => o.NextAttemptAt, now), cancellationToken);
        if (retried > 0)
        {
            commits.Signal(CommitNotice.OutboxOnly);
        }

        return retried;
    }

    /// <summary>
    /// The current state of these messages (platform), without their payloads: what a page showing them polls while
    /// they are on their way (pending, sending), so their status follows the senders without a reload.
    /// </summary>
    public async Task<Result<IReadOnlyList<NotificationView>>> StatesAsync(Caller caller, IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(ids);
        if (!caller.Is(Caller.Platform))
        {
            return Failure.Forbidden;
        }

        if (ids.Count > MaxRetryBatch * 5)
        {
            return Failure.Invalid(new InputError("ids", "out_of_range", MaxRetryBatch * 5));
        }

        return await db.Outbox.AsNoTracking().Where(o => ids.Contains(o.Id))
            .Select(o => new NotificationView(o.Id, o.Kind, o.DeliveryId, o.Topic, o.RecipientRole, o.RecipientAddress, o.Culture, o.Status, o.Attempts, o.LastError, o.CreatedAt, o.NextAttemptAt, o.SentAt))
            .ToListAsync(cancellationToken);
    }

    /// <summary>The ids of the newest failed messages (platform; the failed queue's rows), read from the failed rows' index alone.</summary>
    public async Task<Result<IReadOnlyList<long>>> FailedIdsAsync(Caller caller, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.Is(Caller.Platform))
        {
            return Failure.Forbidden;
        }

        return await db.Outbox.AsNoTracking().Where(o => o.Status == OutboxRecord.Statuses.Failed)
            .OrderByDescending(o => o.Id).Take(Math.Clamp(limit, 1, 200)).Select(o => o.Id).ToListAsync(cancellationToken);
    }

    public static NotificationView ToView(OutboxRecord o) => new(
        o.Id, o.Kind, o.DeliveryId, o.Topic, o.RecipientRole, o.RecipientAddress, o.Culture, o.Status, o.Attempts, o.LastError, o.CreatedAt, o.NextAttemptAt, o.SentAt);
}

public sealed record NotificationView(
    long Id,
    string Kind,
    Guid? DeliveryId,
    string Topic,
    string? RecipientRole,
    string? RecipientAddress,
    string Culture,
    string Status,
    int Attempts,
    string? LastError,
    DateTimeOffset CreatedAt,
    DateTimeOffset NextAttemptAt,
    DateTimeOffset? SentAt);
