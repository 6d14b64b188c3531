using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Persistence;

/// <summary>All of ServiceDelivery's state in PostgreSQL.</summary>
public sealed class ServiceDeliveryDbContext(DbContextOptions<ServiceDeliveryDbContext> options) : DbContext(options), IDataProtectionKeyContext
{
    /// <summary>ASP.NET Core data-protection keys (cookies, antiforgery), shared by every host.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<DeliveryRecord> Deliveries => Set<DeliveryRecord>();

    public DbSet<TaskRecord> Tasks => Set<TaskRecord>();

    public DbSet<TimerRecord> Timers => Set<TimerRecord>();

    public DbSet<LogRecord> ProcessLog => Set<LogRecord>();

    public DbSet<TicketRecord> Tickets => Set<TicketRecord>();

    public DbSet<TicketMessageRecord> TicketMessages => Set<TicketMessageRecord>();

    public DbSet<AttachmentRecord> Attachments => Set<AttachmentRecord>();

    public DbSet<IdempotencyRecord> IdempotencyKeys => Set<IdempotencyRecord>();

    public DbSet<OutboxRecord> Outbox => Set<OutboxRecord>();

    public DbSet<DefinitionVersionRecord> DefinitionVersions => Set<DefinitionVersionRecord>();

    public DbSet<DefinitionDraftRecord> DefinitionDrafts => Set<DefinitionDraftRecord>();

    public DbSet<DefinitionScenarioRecord> DefinitionScenarios => Set<DefinitionScenarioRecord>();

    public DbSet<MigrationBatchRecord> MigrationBatches => Set<MigrationBatchRecord>();

    public DbSet<SavedFilterRecord> SavedFilters => Set<SavedFilterRecord>();

    /// <summary>People signed in to the pages (the cookie names a row; signing out deletes it).</summary>
    public DbSet<PageSessionRecord> PageSessions => Set<PageSessionRecord>();

    public DbSet<AnchorRecord> LogAnchors => Set<AnchorRecord>();

    public DbSet<AnchorLeafRecord> LogAnchorLeaves => Set<AnchorLeafRecord>();

    public DbSet<LogIntegrityFailureRecord> LogIntegrityFailures => Set<LogIntegrityFailureRecord>();

    public DbSet<LogVerificationRunRecord> LogVerificationRuns => Set<LogVerificationRunRecord>();

    /// <summary>
    /// Locks a delivery's row (FOR UPDATE) until the transaction ends: every writer's first step. False when there is
    /// no such delivery. A plain prepared statement on the transaction's connection: through a set-returning SQL
    /// function (so that EF could compose on it) PostgreSQL parsed and planned the function's body on every call,
    /// which made the lock the second costliest statement of a command.
    /// </summary>
    public async Task<bool> LockDeliveryAsync(Guid id, CancellationToken cancellationToken)
    {
        var transaction = Database.CurrentTransaction?.GetDbTransaction() as NpgsqlTransaction
            ?? throw new InvalidOperationException("A delivery is locked inside the writer's transaction.");
        await using var command = new NpgsqlCommand("SELECT 1 FROM deliveries WHERE id = $1 FOR UPDATE", transaction.Connection, transaction)
        {
            Parameters = { new NpgsqlParameter<Guid> { TypedValue = id } },
        };
        if (Database.GetCommandTimeout() is { } timeout)
        {
            command.CommandTimeout = timeout;
        }

        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    /// <summary>
    /// Makes the rest of the transaction plan each statement for the table sizes of now. Statements are prepared
    /// (Max Auto Prepare), and a prepared statement's generic plan is kept until the statistics change: a queue
    /// claim first planned on an empty outbox would keep scanning the whole table through a burst that fills it.
    /// </summary>
    public Task PlanForCurrentSizeAsync(CancellationToken cancellationToken) =>
        Database.ExecuteSqlRawAsync("SET LOCAL plan_cache_mode = force_custom_plan", cancellationToken);

    /// <summary>
    /// Plans one statement (a queue claim) for the table sizes of now, then gives the rest of the transaction the
    /// usual plan caching back: planned afresh, every statement after it — and every foreign-key check and trigger
    /// statement those run — would cost a plan per execution (a fifth of the server's time in the timer burst).
    /// </summary>
    public async Task<T> PlanForCurrentSizeAsync<T>(Func<Task<T>> statement, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(statement);
        await PlanForCurrentSizeAsync(cancellationToken);
        var result = await statement();
        await Database.ExecuteSqlRawAsync("SET LOCAL plan_cache_mode TO DEFAULT", cancellationToken);
        return result;
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        // Trigram indexes make the delivery centre's text search (order id, product name) an index lookup.
        modelBuilder.HasPostgresExtension("pg_trgm");
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(ServiceDeliveryDbContext).Assembly);
    }
}
