using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Outbox;
using ServiceDelivery.Application.Timers;
using ServiceDelivery.Engine.Execution;
using ServiceDelivery.Persistence;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Application.Deliveries;

/// <summary>An Idempotency-Key and the request it was sent with.</summary>
/// <param name="Scope">Who and what the key is for (caller and target).</param>
/// <param name="Key">The client's key.</param>
/// <param name="RequestHash">SHA-256 of the request.</param>
public sealed record Idempotency(string Scope, string Key, string RequestHash)
{
    /// <summary>SHA-256 (hex) of the given parts, separated so that ("ab","c") and ("a","bc") differ.</summary>
    public static string Hash(params string?[] parts) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u001f', parts.Select(p => p ?? "\u0000")))));
}

/// <summary>
/// The shell around the engine for one command on one delivery: load it with its tasks, timers and disputes,
/// check visibility and If-Match, let the command decide and write, then save every row in ONE transaction
/// with the version check. A lost race is a version conflict, never a silent overwrite.
/// </summary>
internal sealed class DeliveryTransaction(ServiceDeliveryDbContext db, DefinitionCatalog catalog, TimeProvider clock, ITimerScheduler scheduler, IOutboxSignal signal)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Runs <paramref name="change"/> on the delivery and commits what it wrote.</summary>
    /// <param name="caller">Who calls; a delivery they may not see is not found.</param>
    /// <param name="deliveryId">The delivery.</param>
    /// <param name="expectedVersion">If-Match, when given.</param>
    /// <param name="idempotency">Idempotency-Key, when given.</param>
    /// <param name="change">Decides and writes on the aggregate; returns a failure to write nothing.</param>
    /// <param name="cancellationToken">Cancels.</param>
    public async Task<Result<DeliveryView>> RunAsync(
        Caller caller,
        Guid deliveryId,
        int? expectedVersion,
        Idempotency? idempotency,
        Func<DeliveryAggregate, DateTimeOffset, Task<Failure?>> change,
        CancellationToken cancellationToken)
    {
        if (idempotency is not null && await ReplayAsync(idempotency, cancellationToken) is { } replayed)
        {
            return replayed;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var aggregate = await DeliveryAggregate.LoadAsync(db, catalog, deliveryId, cancellationToken);
        if (aggregate is null || !DeliveryAccess.CanSee(caller, aggregate.Record))
        {
            return Failure.NotFound;
        }

        // A twin request with the same key may have committed while we waited for the row lock: answer as it did.
        if (idempotency is not null && await ReplayAsync(idempotency, cancellationToken) is { } twinFirst)
        {
            return twinFirst;
        }

        if (expectedVersion is { } expected && expected != aggregate.Record.Version)
        {
            return Failure.VersionConflict;
        }

        var now = clock.Now();
        if (await change(aggregate, now) is { } failure)
        {
            return failure;
        }

        var view = aggregate.ToView();
        if (idempotency is not null)
        {
            db.IdempotencyKeys.Add(new IdempotencyRecord
            {
                Scope = idempotency.Scope,
                Key = idempotency.Key,
                RequestHash = idempotency.RequestHash,
                DeliveryId = deliveryId,
                Result = JsonSerializer.Serialize(view, Json),
                CreatedAt = now,
            });
        }

        var wroteOutbox = WritesOutbox(db);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex is DbUpdateConcurrencyException || ex.IsUniqueViolation())
        {
            // A concurrent writer won (the version, the next log sequence or a live timer key), or a twin request
            // with the same Idempotency-Key committed first: replay its result when that is what happened.
            await transaction.RollbackAsync(CancellationToken.None);
            db.ChangeTracker.Clear();
            return idempotency is not null && await ReplayAsync(idempotency, cancellationToken) is { } twin ? twin : Failure.VersionConflict;
        }

        AfterCommit(aggregate, wroteOutbox);
        return view;
    }

    /// <summary>True when the pending changes add outbox rows (checked before saving).</summary>
    public static bool WritesOutbox(ServiceDeliveryDbContext db) =>
        db.ChangeTracker.Entries<OutboxRecord>().Any(e => e.State == EntityState.Added);

    /// <summary>Hints for the job system after a commit: new due times, new messages.</summary>
    public void AfterCommit(DeliveryAggregate aggregate, bool wroteOutbox)
    {
        WakeTimers(aggregate);
        if (wroteOutbox)
        {
            signal.Pending();
        }
    }

    /// <summary>Asks the engine, and on a decision writes it with its notifications; the failure otherwise.</summary>
    public static Failure? Decide(ServiceDeliveryDbContext db, DeliveryAggregate aggregate, Command command, DateTimeOffset now, OutboxWriter outbox, Func<NotificationPayload, NotificationPayload>? enrich = null)
    {
        var state = command is StartDelivery ? null : aggregate.ToState();
        var outcome = WorkflowEngine.Decide(aggregate.Definition, state, command, now);
        if (outcome is Rejection rejection)
        {
            return Failure.From(rejection);
        }

        var decision = (Decision)outcome;
        var seq = aggregate.Apply(db, decision, now);
        if (!decision.Notifications.IsEmpty)
        {
            var payload = Payload(aggregate, decision.FromStage, decision.Log, seq, now);
            outbox.Notify(db, aggregate.Record, decision.Notifications, enrich is null ? payload : enrich(payload), now);
        }

        outbox.PublishDecision(db, aggregate.Record, decision, now);
        return null;
    }

    public static NotificationPayload Payload(DeliveryAggregate aggregate, string? fromStage, LogEntry? log, int? seq, DateTimeOffset now)
    {
        var d = aggregate.Record;
        return new NotificationPayload(
            d.Id, d.OrderId, d.ProductName, d.ProductSpec, d.BuyerName, d.ProviderName, d.DefinitionKey, d.DefinitionVersion,
            d.Stage, fromStage, log?.Action, log?.Actor.Name, log is null ? null : Engine.Definitions.ActorRoles.ToKey(log.Actor.Role),
            now, aggregate.ActionTimerDue(), d.PaidAmount, d.RefundAmount, d.Currency, seq,
            log?.Data ?? new Dictionary<string, string>());
    }

    /// <summary>Checks that every attachment exists and was uploaded by the caller.</summary>
    public static async Task<Failure?> CheckAttachmentsAsync(ServiceDeliveryDbContext db, Caller caller, IReadOnlyList<Guid> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return null;
        }

        var distinct = ids.Distinct().ToList();
        var owned = await db.Attachments.CountAsync(a => distinct.Contains(a.Id) && a.UploadedBy == caller.Id, cancellationToken);
        return owned == distinct.Count ? null : Failure.Invalid(new InputError("attachmentIds", "unknown_attachment"));
    }

    public void WakeTimers(DeliveryAggregate aggregate) =>
        scheduler.WakeAt(aggregate.LiveTimers.Where(t => t.State == TimerRecord.States.Running && t.DueAt is not null).Select(t => t.DueAt!.Value));

    private async Task<Result<DeliveryView>?> ReplayAsync(Idempotency idempotency, CancellationToken cancellationToken)
    {
        var first = await db.IdempotencyKeys.AsNoTracking()
            .FirstOrDefaultAsync(i => i.Scope == idempotency.Scope && i.Key == idempotency.Key, cancellationToken);
        if (first is null)
        {
            return null;
        }

        return first.RequestHash == idempotency.RequestHash
            ? (Result<DeliveryView>)JsonSerializer.Deserialize<DeliveryView>(first.Result, Json)!
            : (Result<DeliveryView>)Failure.IdempotencyKeyReused;
    }
}
