using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Persistence;

/// <summary>All of ServiceDelivery's state in PostgreSQL.</summary>
public sealed class ServiceDeliveryDbContext(DbContextOptions<ServiceDeliveryDbContext> options) : DbContext(options)
{
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

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);

        // Trigram indexes make the delivery centre's text search (order id, product name) an index lookup.
        modelBuilder.HasPostgresExtension("pg_trgm");
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(ServiceDeliveryDbContext).Assembly);
    }
}
