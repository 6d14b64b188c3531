using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Evidence;
using ServiceDelivery.Application.Outbox;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Persistence;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Application.Deliveries;

/// <summary>
/// The one owner of every change to a delivery — start, action, timer, ticket, intervention, migration, invoice:
/// lock the row, load, let the change decide through the engine, write, commit, then give the after-commit hint.
/// Nothing else opens a transaction on a delivery. Each write runs on its own DbContext, so nothing a failed
/// write tracked can leak into another.
/// </summary>
public sealed partial class DeliveryWriter(
    IDbContextFactory<ServiceDeliveryDbContext> contexts,
    DefinitionCatalog catalog,
    TimeProvider clock,
    OutboxWriter outbox,
    Commits commits,
    DeliveryOptions options,
    ILogger<DeliveryWriter> logger) : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // Admission for people's commands (DeliveryOptions.MaxConcurrentCommands). Timer batches do not queue here:
    // there is one firer per host, and it never waits for a row.
    private readonly SemaphoreSlim _turns = new(Math.Max(1, options.MaxConcurrentCommands));

    public void Dispose() => _turns.Dispose();

    /// <summary>Runs <paramref name="change"/> on an existing delivery and commits what it wrote; answers the delivery after it.</summary>
    internal Task<Result<DeliveryView>> ChangeAsync(
        Caller caller,
        Guid deliveryId,
        WriteConditions conditions,
        Func<DeliveryChange, ValueTask<Failure?>> change,
        CancellationToken cancellationToken) =>
        ChangeAsync(caller, deliveryId, conditions, change, done => done.Delivery.ToView(), cancellationToken);

    /// <summary>Runs <paramref name="change"/> on an existing delivery and commits what it wrote.</summary>
    /// <param name="caller">Who asks; a delivery they may not see is not found (checked before anything else, a replay included).</param>
    /// <param name="deliveryId">The delivery.</param>
    /// <param name="conditions">If-Match and Idempotency-Key.</param>
    /// <param name="change">Decides and writes; a failure writes nothing.</param>
    /// <param name="answer">What the caller gets once the change is made; kept with the Idempotency-Key and replayed for repeats.</param>
    /// <param name="cancellationToken">Cancels.</param>
    internal Task<Result<TAnswer>> ChangeAsync<TAnswer>(
        Caller caller,
        Guid deliveryId,
        WriteConditions conditions,
        Func<DeliveryChange, ValueTask<Failure?>> change,
        Func<DeliveryChange, TAnswer> answer,
        CancellationToken cancellationToken) =>
        InTurnAsync(() => ChangeInTurnAsync(caller, deliveryId, conditions, change, answer, cancellationToken), cancellationToken);

    private async Task<Result<TAnswer>> ChangeInTurnAsync<TAnswer>(
        Caller caller,
        Guid deliveryId,
        WriteConditions conditions,
        Func<DeliveryChange, ValueTask<Failure?>> change,
        Func<DeliveryChange, TAnswer> answer,
        CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var idempotency = conditions.Idempotency;
        var loaded = await DeliveryAggregate.LoadLockedAsync(db, catalog, deliveryId, idempotency, cancellationToken);
        if (loaded is null || !DeliveryAccess.CanSee(caller, loaded.Value.Aggregate.Record))
        {
            return Failure.NotFound;
        }

        var (aggregate, replay) = loaded.Value;

        // A repeat, or a twin that held the lock before us: answer as the first did.
        if (replay is not null)
        {
            return Replay<TAnswer>(replay, idempotency!);
        }

        if (conditions.ExpectedVersion is { } expected && expected != aggregate.Record.Version)
        {
            return Failure.VersionConflict;
        }

        var unit = new DeliveryChange(db, aggregate, clock.Now(), outbox);
        if (await change(unit) is { } failure)
        {
            return failure;
        }

        var result = answer(unit);
        if (idempotency is not null)
        {
            db.IdempotencyKeys.Add(new IdempotencyRecord
            {
                Scope = idempotency.Scope,
                Key = idempotency.Key,
                RequestHash = idempotency.RequestHash,
                DeliveryId = deliveryId,
                Result = JsonSerializer.Serialize(result, Json),
                CreatedAt = unit.Now,
            });
        }

        if (!await CommitAsync(db, transaction, [aggregate], cancellationToken))
        {
            return Failure.VersionConflict;
        }

        return result;
    }

    /// <summary>
    /// Inserts a new delivery and runs its start through the engine. The unique order id is its lock: when another
    /// start of the same order committed first, the answer is <see cref="Failure.OrderConflict"/> and nothing is written.
    /// </summary>
    internal Task<Result<DeliveryView>> StartAsync(ProcessDefinition definition, Func<DateTimeOffset, DeliveryRecord> create, Func<DeliveryChange, Failure?> start, CancellationToken cancellationToken) =>
        InTurnAsync(() => StartInTurnAsync(definition, create, start, cancellationToken), cancellationToken);

    /// <summary>Runs a person's command once it has a turn; refuses it as <see cref="Failure.Busy"/> when none comes in time.</summary>
    private async Task<Result<T>> InTurnAsync<T>(Func<Task<Result<T>>> command, CancellationToken cancellationToken)
    {
        if (!await _turns.WaitAsync(options.CommandTurnTimeout, cancellationToken))
        {
            return Failure.Busy;
        }

        try
        {
            return await command();
        }
        finally
        {
            _turns.Release();
        }
    }

    private async Task<Result<DeliveryView>> StartInTurnAsync(ProcessDefinition definition, Func<DateTimeOffset, DeliveryRecord> create, Func<DeliveryChange, Failure?> start, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = clock.Now();
        var record = create(now);
        db.Deliveries.Add(record);
        var aggregate = DeliveryAggregate.New(record, definition);
        if (start(new DeliveryChange(db, aggregate, now, outbox)) is { } failure)
        {
            return failure;
        }

        return await CommitAsync(db, transaction, [aggregate], cancellationToken) ? aggregate.ToView() : Failure.OrderConflict;
    }

    /// <summary>
    /// Changes several deliveries in one transaction (timer firing): <paramref name="claim"/> locks their rows with
    /// FOR UPDATE SKIP LOCKED — so a batch never waits for a person's command and never deadlocks — and names them;
    /// <paramref name="change"/> runs on each. All or nothing: an exception rolls the whole batch back.
    /// </summary>
    /// <returns>How many deliveries were claimed (0: nothing to do), and whether their changes were committed.</returns>
    internal async Task<(int Claimed, bool Committed)> ChangeManyAsync(
        Func<ServiceDeliveryDbContext, DateTimeOffset, CancellationToken, Task<IReadOnlyCollection<Guid>>> claim,
        Action<DeliveryChange> change,
        CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = clock.Now();
        var ids = await claim(db, now, cancellationToken);
        if (ids.Count == 0)
        {
            return (0, false);
        }

        var aggregates = await DeliveryAggregate.LoadManyAsync(db, catalog, ids, cancellationToken);
        foreach (var aggregate in aggregates)
        {
            change(new DeliveryChange(db, aggregate, now, outbox));
        }

        if (!await CommitAsync(db, transaction, aggregates, cancellationToken))
        {
            // Cannot happen while the rows are locked; if it does, the claimed work is simply still due.
            LogBatchConflict(logger, ids.Count);
            return (ids.Count, false);
        }

        return (ids.Count, true);
    }

    /// <summary>
    /// Sets a running timer's due time, under its delivery's row lock and with the version bump every write to a
    /// delivery makes — without loading the delivery through its definition, so it works for a timer whose firing
    /// is broken (a bug, a definition that no longer loads). A delivery another transaction holds is skipped: the
    /// timer is then simply still due. Answers whether it was moved.
    /// </summary>
    internal async Task<bool> PostponeTimerAsync(Guid timerId, DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var deliveryId = await db.Database.SqlQuery<Guid>($"""
            SELECT t.delivery_id AS "Value" FROM timers t JOIN deliveries d ON d.id = t.delivery_id
            WHERE t.id = {timerId} AND t.state = 'running'
            FOR UPDATE OF t, d SKIP LOCKED
            """).ToListAsync(cancellationToken);
        if (deliveryId.Count == 0)
        {
            return false;
        }

        await db.Timers.Where(t => t.Id == timerId).ExecuteUpdateAsync(set => set.SetProperty(t => t.DueAt, dueAt), cancellationToken);
        await db.Deliveries.Where(d => d.Id == deliveryId[0]).ExecuteUpdateAsync(set => set.SetProperty(d => d.Version, d => d.Version + 1), cancellationToken);
        await commits.CommitAsync(transaction, new CommitNotice([deliveryId[0]], Outbox: false, EarliestTimer: dueAt));
        return true;
    }

    /// <summary>
    /// Builds the hash chain of up to <paramref name="batch"/> deliveries whose log was written before the chain
    /// existed (the data half of the LogHashChain migration), each under its row lock; a delivery a command holds is
    /// left for the next batch. Nothing a reader sees changes, so the version stays. Answers how many were chained.
    /// </summary>
    internal async Task<int> ChainUnchainedAsync(int batch, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var records = await db.Deliveries
            .FromSql($"SELECT * FROM deliveries WHERE log_head IS NULL AND last_log_seq > 0 LIMIT {batch} FOR UPDATE SKIP LOCKED")
            .ToListAsync(cancellationToken);
        foreach (var record in records)
        {
            record.LogHead = await LogChaining.ChainExistingAsync(db, record.Id, cancellationToken);
        }

        if (records.Count == 0 || !await db.SaveSetBasedAsync(cancellationToken))
        {
            return 0;
        }

        // No commit notice: no page shows the chain's columns.
        await transaction.CommitAsync(CancellationToken.None);
        return records.Count;
    }

    /// <summary>Saves and commits; false when a concurrent writer won (version, unique key). Then gives the hint.</summary>
    private async Task<bool> CommitAsync(ServiceDeliveryDbContext db, Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction transaction, IReadOnlyList<DeliveryAggregate> changed, CancellationToken cancellationToken)
    {
        var notice = Notice(db, changed);
        try
        {
            await LogChaining.SealAsync(db, changed.Select(a => a.Record), cancellationToken);
            if (!await db.SaveSetBasedAsync(cancellationToken))
            {
                await transaction.RollbackAsync(CancellationToken.None);
                return false;
            }

            // Without the request's token: once the commit is under way, a client going away must not cut it short.
            await transaction.CommitAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is DbUpdateConcurrencyException || ex.IsUniqueViolation())
        {
            await transaction.RollbackAsync(CancellationToken.None);
            return false;
        }

        // The change is durable: from here on nothing may turn it into an error.
        commits.Signal(notice);
        return true;
    }

    /// <summary>What the commit will have changed, read from the change tracker before saving.</summary>
    private static CommitNotice Notice(ServiceDeliveryDbContext db, IReadOnlyList<DeliveryAggregate> changed)
    {
        var outboxWritten = false;
        DateTimeOffset? earliest = null;
        foreach (var entry in db.ChangeTracker.Entries())
        {
            if (entry.State == EntityState.Added && entry.Entity is OutboxRecord)
            {
                outboxWritten = true;
            }
            else if (entry is { State: EntityState.Added or EntityState.Modified, Entity: TimerRecord { State: TimerRecord.States.Running, DueAt: { } due } }
                     && (earliest is null || due < earliest))
            {
                earliest = due;
            }
        }

        return new CommitNotice([.. changed.Select(a => a.Record.Id)], outboxWritten, earliest);
    }

    private static Result<TAnswer> Replay<TAnswer>(IdempotencyRecord first, Idempotency idempotency) =>
        first.RequestHash == idempotency.RequestHash
            ? JsonSerializer.Deserialize<TAnswer>(first.Result, Json)!
            : Failure.IdempotencyKeyReused;

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of {Count} claimed deliveries lost a race and was rolled back; it stays due")]
    private static partial void LogBatchConflict(ILogger logger, int count);
}
