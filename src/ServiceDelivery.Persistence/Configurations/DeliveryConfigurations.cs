using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Persistence.Configurations;

internal sealed class DeliveryConfiguration : IEntityTypeConfiguration<DeliveryRecord>
{
    public void Configure(EntityTypeBuilder<DeliveryRecord> builder)
    {
        builder.ToTable("deliveries");
        builder.HasKey(d => d.Id);
        builder.Property(d => d.Version).IsConcurrencyToken();
        builder.HasIndex(d => d.OrderId).IsUnique();
        builder.Property(d => d.OrderId).HasMaxLength(100);
        builder.Property(d => d.OrderFingerprint).HasMaxLength(64);
        builder.Property(d => d.ProductId).HasMaxLength(100);
        builder.Property(d => d.ProductName).HasMaxLength(200);
        builder.Property(d => d.ProductSpec).HasMaxLength(200);
        builder.Property(d => d.BuyerId).HasMaxLength(100);
        builder.Property(d => d.BuyerName).HasMaxLength(200);
        builder.Property(d => d.BuyerEmail).HasMaxLength(320);
        builder.Property(d => d.ProviderId).HasMaxLength(100);
        builder.Property(d => d.ProviderName).HasMaxLength(200);
        builder.Property(d => d.ProviderEmail).HasMaxLength(320);
        builder.Property(d => d.BuyerLocale).HasMaxLength(16);
        builder.Property(d => d.BuyerTimeZone).HasMaxLength(64);
        builder.Property(d => d.ProviderLocale).HasMaxLength(16);
        builder.Property(d => d.ProviderTimeZone).HasMaxLength(64);
        builder.Property(d => d.PaidAmount).HasPrecision(18, 2);
        builder.Property(d => d.CouponAmount).HasPrecision(18, 2);
        builder.Property(d => d.RefundAmount).HasPrecision(18, 2);
        // No index may name log_head (not even a partial index's filter): it changes with every step, and an indexed
        // column would cost every write its in-place (HOT) update.
        builder.Property(d => d.Currency).HasMaxLength(3);
        builder.Property(d => d.InvoiceStatus).HasMaxLength(16);
        builder.Property(d => d.DefinitionKey).HasMaxLength(64);
        builder.Property(d => d.Stage).HasMaxLength(64);
        builder.Property(d => d.ReturnStage).HasMaxLength(64);
        builder.Property(d => d.Status).HasMaxLength(16);

        // The delivery centre's lists: a caller's deliveries, newest first, optionally by stage (keyset on created_at, id).
        builder.HasIndex(d => new { d.BuyerId, d.CreatedAt, d.Id }).IsDescending(false, true, true);
        builder.HasIndex(d => new { d.ProviderId, d.CreatedAt, d.Id }).IsDescending(false, true, true);
        builder.HasIndex(d => new { d.BuyerId, d.Stage });
        builder.HasIndex(d => new { d.ProviderId, d.Stage });
        builder.HasIndex(d => new { d.Stage, d.CreatedAt });
        builder.HasIndex(d => new { d.CreatedAt, d.Id }).IsDescending(true, true);
        builder.HasIndex(d => new { d.Status, d.CreatedAt, d.Id }).IsDescending(false, true, true);
        // The operations console: deliveries finished per day (a terminal stage is entered once) and those stuck
        // (active, nothing written for days).
        builder.HasIndex(d => new { d.Status, d.StageEnteredAt });

        // Stuck deliveries are found by the day of their last write, a column PostgreSQL computes. An index on the
        // instant (updated_at) changed with every write, so no update of a delivery could be HOT: each one added an
        // entry to all thirteen indexes, trigram ones included (the costliest statement of a command). With the day
        // indexed and room left on each page, a delivery's writes within a day update its row in place.
        builder.Property<DateOnly>(DeliveryRecord.UpdatedOn).HasComputedColumnSql("(updated_at AT TIME ZONE 'UTC')::date", stored: true);
        builder.HasIndex(nameof(DeliveryRecord.Status), DeliveryRecord.UpdatedOn);

        // The stuck list, newest first: active deliveries by (created_at, id) with the day of the last write in the key,
        // so the recently written ones are skipped inside the index instead of row by row on the heap. Partial, so only
        // active deliveries are indexed, and (with the day, not the instant) it leaves HOT updates as they were.
        builder.HasIndex([nameof(DeliveryRecord.CreatedAt), nameof(DeliveryRecord.Id), DeliveryRecord.UpdatedOn], "ix_deliveries_active_created_at_id_updated_on")
            .HasDatabaseName("ix_deliveries_active_created_at_id_updated_on").IsDescending(true, true, false).HasFilter("status = 'active'");
        builder.HasStorageParameter("fillfactor", 90);
        builder.HasIndex(d => d.OrderId, "ix_deliveries_order_id_trgm").HasMethod("gin").HasOperators("gin_trgm_ops");
        builder.HasIndex(d => d.ProductName, "ix_deliveries_product_name_trgm").HasMethod("gin").HasOperators("gin_trgm_ops");
    }
}

internal sealed class TaskConfiguration : IEntityTypeConfiguration<TaskRecord>
{
    public void Configure(EntityTypeBuilder<TaskRecord> builder)
    {
        builder.ToTable("tasks");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Role).HasMaxLength(16);
        builder.Property(t => t.AssigneeId).HasMaxLength(100);
        builder.Property(t => t.Stage).HasMaxLength(64);
        builder.HasOne<DeliveryRecord>().WithMany().HasForeignKey(t => t.DeliveryId).OnDelete(DeleteBehavior.Cascade);

        // A caller's inbox: open tasks by role and party, oldest first.
        builder.HasIndex(t => new { t.Role, t.AssigneeId, t.OpenedAt }).HasFilter("closed_at IS NULL");

        // The platform's open tasks (refund reviews; they have no assignee), oldest first: the index above cannot
        // give them in order (IS NULL is no equality to the planner), so the overview sorted every open review.
        builder.HasIndex(t => new { t.OpenedAt, t.Id }, "ix_tasks_platform_open_opened_at_id").HasDatabaseName("ix_tasks_platform_open_opened_at_id")
            .HasFilter("closed_at IS NULL AND role = 'platform' AND assignee_id IS NULL");
        builder.HasIndex(t => t.DeliveryId).HasFilter("closed_at IS NULL");
    }
}

internal sealed class TimerConfiguration : IEntityTypeConfiguration<TimerRecord>
{
    public void Configure(EntityTypeBuilder<TimerRecord> builder)
    {
        builder.ToTable("timers");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Key).HasMaxLength(64);
        builder.Property(t => t.Stage).HasMaxLength(64);
        builder.Property(t => t.State).HasMaxLength(16);
        builder.HasOne<DeliveryRecord>().WithMany().HasForeignKey(t => t.DeliveryId).OnDelete(DeleteBehavior.Cascade);

        // Due timers, earliest first: what the firers scan.
        builder.HasIndex(t => t.DueAt).HasFilter("state = 'running'");
        builder.HasIndex(t => t.EndedAt).HasFilter("ended_at IS NOT NULL"); // retention

        // At most one live timer per delivery and key, whatever the code above does.
        builder.HasIndex(t => new { t.DeliveryId, t.Key }).IsUnique().HasFilter("state IN ('running', 'frozen')");
    }
}

internal sealed class LogConfiguration : IEntityTypeConfiguration<LogRecord>
{
    public void Configure(EntityTypeBuilder<LogRecord> builder)
    {
        builder.ToTable("process_log");
        builder.HasKey(l => l.Id);
        builder.HasIndex(l => new { l.DeliveryId, l.Seq }).IsUnique();
        // "Which entries use this file?" (downloads): only the few rows with attachments are indexed.
        builder.HasIndex(l => l.AttachmentIds).HasMethod("gin").HasFilter("cardinality(attachment_ids) > 0");
        // What an anchor covers: the entries written in its period.
        builder.HasIndex(l => l.At);
        builder.Property(l => l.ActorId).HasMaxLength(100);
        builder.Property(l => l.ActorName).HasMaxLength(200);
        builder.Property(l => l.ActorRole).HasMaxLength(16);
        builder.Property(l => l.Action).HasMaxLength(64);
        builder.Property(l => l.FromStage).HasMaxLength(64);
        builder.Property(l => l.ToStage).HasMaxLength(64);
        builder.Property(l => l.Timer).HasMaxLength(64);
        builder.Property(l => l.Data).HasColumnType("jsonb").HasConversion(JsonDictionary.Converter, JsonDictionary.Comparer);
        builder.Property(l => l.InternalData).HasColumnType("jsonb").HasConversion(JsonDictionary.Converter, JsonDictionary.Comparer);
        builder.HasOne<DeliveryRecord>().WithMany().HasForeignKey(l => l.DeliveryId).OnDelete(DeleteBehavior.Cascade);
    }
}
