using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Persistence.Configurations;

internal sealed class TicketConfiguration : IEntityTypeConfiguration<TicketRecord>
{
    public void Configure(EntityTypeBuilder<TicketRecord> builder)
    {
        builder.ToTable("tickets");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Version).IsConcurrencyToken();
        builder.Property(t => t.Category).HasMaxLength(32);
        builder.Property(t => t.Subject).HasMaxLength(200);
        builder.Property(t => t.Description).HasMaxLength(5000);
        builder.Property(t => t.Status).HasMaxLength(16);
        builder.Property(t => t.OpenedById).HasMaxLength(100);
        builder.Property(t => t.OpenedByName).HasMaxLength(200);
        builder.Property(t => t.OpenedByRole).HasMaxLength(16);
        builder.Property(t => t.Outcome).HasMaxLength(32);
        builder.Property(t => t.RefundAmount).HasPrecision(18, 2);
        builder.Property(t => t.ResolutionNote).HasMaxLength(2000);
        builder.Property(t => t.ResolvedById).HasMaxLength(100);
        builder.Property(t => t.ResolvedByName).HasMaxLength(200);
        builder.HasOne<DeliveryRecord>().WithMany().HasForeignKey(t => t.DeliveryId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(t => t.Messages).WithOne().HasForeignKey(m => m.TicketId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(t => new { t.DeliveryId, t.Status });
        builder.HasIndex(t => new { t.Status, t.OpenedAt });
        builder.HasIndex(t => t.AttachmentIds).HasMethod("gin").HasFilter("cardinality(attachment_ids) > 0");
    }
}

internal sealed class TicketMessageConfiguration : IEntityTypeConfiguration<TicketMessageRecord>
{
    public void Configure(EntityTypeBuilder<TicketMessageRecord> builder)
    {
        builder.ToTable("ticket_messages");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.AuthorId).HasMaxLength(100);
        builder.Property(m => m.AuthorName).HasMaxLength(200);
        builder.Property(m => m.AuthorRole).HasMaxLength(16);
        builder.Property(m => m.Body).HasMaxLength(5000);
        builder.HasIndex(m => new { m.TicketId, m.At });
        builder.HasIndex(m => m.AttachmentIds).HasMethod("gin").HasFilter("cardinality(attachment_ids) > 0");
    }
}

internal sealed class AttachmentConfiguration : IEntityTypeConfiguration<AttachmentRecord>
{
    public void Configure(EntityTypeBuilder<AttachmentRecord> builder)
    {
        builder.ToTable("attachments");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Sha256).HasMaxLength(64);
        builder.Property(a => a.ContentType).HasMaxLength(100);
        builder.Property(a => a.FileName).HasMaxLength(255);
        builder.Property(a => a.UploadedBy).HasMaxLength(100);
        builder.HasIndex(a => a.UploadedBy);
        builder.HasIndex(a => a.Sha256);
    }
}

internal sealed class IdempotencyConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> builder)
    {
        builder.ToTable("idempotency_keys");
        builder.HasKey(i => new { i.Scope, i.Key });
        builder.Property(i => i.Scope).HasMaxLength(300);
        builder.Property(i => i.Key).HasMaxLength(200);
        builder.Property(i => i.RequestHash).HasMaxLength(64);
        builder.Property(i => i.Result).HasColumnType("jsonb");
        builder.HasIndex(i => i.CreatedAt);
    }
}

internal sealed class OutboxConfiguration : IEntityTypeConfiguration<OutboxRecord>
{
    public void Configure(EntityTypeBuilder<OutboxRecord> builder)
    {
        builder.ToTable("outbox");
        builder.HasKey(o => o.Id);
        builder.Property(o => o.Kind).HasMaxLength(16);
        builder.Property(o => o.Topic).HasMaxLength(64);
        builder.Property(o => o.RecipientRole).HasMaxLength(16);
        builder.Property(o => o.RecipientAddress).HasMaxLength(320);
        builder.Property(o => o.RecipientName).HasMaxLength(200);
        builder.Property(o => o.Culture).HasMaxLength(16);
        builder.Property(o => o.TimeZone).HasMaxLength(64);
        builder.Property(o => o.Payload).HasColumnType("jsonb");
        builder.Property(o => o.Status).HasMaxLength(16);
        builder.Property(o => o.LastError).HasMaxLength(2000);
        builder.HasOne<DeliveryRecord>().WithMany().HasForeignKey(o => o.DeliveryId).OnDelete(DeleteBehavior.Cascade);

        // Unsent rows in id order: what the senders scan (without it a claim walks past every sent row, which
        // grows without bound); and each delivery's webhooks in order.
        builder.HasIndex(o => o.Id, "ix_outbox_unsent").HasDatabaseName("ix_outbox_unsent").HasFilter("status IN ('pending', 'sending')");
        builder.HasIndex(o => new { o.DeliveryId, o.RecipientAddress, o.Id }).HasFilter("kind = 'webhook' AND status IN ('pending', 'sending')");
        // Failed rows for the console's queue, sent rows by age for retention. Partial, so that a claim has only the
        // unsent index to choose from (with estimates lagging a burst, a status index led it to sort the whole backlog).
        builder.HasIndex(o => o.Id, "ix_outbox_failed").HasDatabaseName("ix_outbox_failed").HasFilter("status = 'failed'");
        builder.HasIndex(o => o.CreatedAt).HasDatabaseName("ix_outbox_sent_created_at").HasFilter("status = 'sent'");
        builder.HasIndex(o => o.DeliveryId);
    }
}

internal sealed class DefinitionVersionConfiguration : IEntityTypeConfiguration<DefinitionVersionRecord>
{
    public void Configure(EntityTypeBuilder<DefinitionVersionRecord> builder)
    {
        builder.ToTable("definition_versions");
        builder.HasKey(d => new { d.Key, d.Version });
        builder.Property(d => d.Key).HasMaxLength(64);
        builder.Property(d => d.PublishedBy).HasMaxLength(100);
        builder.Property(d => d.PublishedByName).HasMaxLength(200);
        builder.Property(d => d.Note).HasMaxLength(500);
    }
}

internal sealed class DefinitionDraftConfiguration : IEntityTypeConfiguration<DefinitionDraftRecord>
{
    public void Configure(EntityTypeBuilder<DefinitionDraftRecord> builder)
    {
        builder.ToTable("definition_drafts");
        builder.HasKey(d => d.Key);
        builder.Property(d => d.Key).HasMaxLength(64);
        builder.Property(d => d.UpdatedBy).HasMaxLength(100);
        builder.Property(d => d.Revision).IsConcurrencyToken();
    }
}

internal sealed class DefinitionScenarioConfiguration : IEntityTypeConfiguration<DefinitionScenarioRecord>
{
    public void Configure(EntityTypeBuilder<DefinitionScenarioRecord> builder)
    {
        builder.ToTable("definition_scenarios");
        builder.HasKey(s => new { s.Key, s.Name });
        builder.Property(s => s.Key).HasMaxLength(64);
        builder.Property(s => s.Name).HasMaxLength(100);
        builder.Property(s => s.Steps).HasColumnType("jsonb");
        builder.Property(s => s.ExpectedStage).HasMaxLength(64);
        builder.Property(s => s.SavedBy).HasMaxLength(100);
    }
}

internal sealed class MigrationBatchConfiguration : IEntityTypeConfiguration<MigrationBatchRecord>
{
    public void Configure(EntityTypeBuilder<MigrationBatchRecord> builder)
    {
        builder.ToTable("migration_batches");
        builder.HasKey(b => b.Id);
        builder.Property(b => b.Key).HasMaxLength(64);
        builder.Property(b => b.Mapping).HasColumnType("jsonb").HasConversion(JsonDictionary.Converter, JsonDictionary.Comparer);
        builder.Property(b => b.Reason).HasMaxLength(500);
        builder.Property(b => b.StartedBy).HasMaxLength(100);
        builder.Property(b => b.StartedByName).HasMaxLength(200);
        builder.Property(b => b.LastError).HasMaxLength(500);
        builder.HasIndex(b => new { b.Key, b.StartedAt });
    }
}

internal sealed class SavedFilterConfiguration : IEntityTypeConfiguration<SavedFilterRecord>
{
    public void Configure(EntityTypeBuilder<SavedFilterRecord> builder)
    {
        builder.ToTable("saved_filters");
        builder.HasKey(f => f.Id);
        builder.Property(f => f.Name).HasMaxLength(100);
        builder.Property(f => f.Query).HasMaxLength(2000);
        builder.Property(f => f.SavedBy).HasMaxLength(100);
        builder.Property(f => f.SavedByName).HasMaxLength(200);
        builder.HasIndex(f => f.SavedAt);
    }
}

internal sealed class PageSessionConfiguration : IEntityTypeConfiguration<PageSessionRecord>
{
    public void Configure(EntityTypeBuilder<PageSessionRecord> builder)
    {
        builder.ToTable("page_sessions");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Subject).HasMaxLength(255);
        builder.Property(s => s.Name).HasMaxLength(200);
        builder.Property(s => s.Roles).HasMaxLength(500);
        builder.HasIndex(s => s.Subject);
        builder.HasIndex(s => s.ExpiresAt);
    }
}

internal sealed class AnchorConfiguration : IEntityTypeConfiguration<AnchorRecord>
{
    public void Configure(EntityTypeBuilder<AnchorRecord> builder)
    {
        builder.ToTable("log_anchors");
        builder.HasKey(a => a.Seq);
        builder.Property(a => a.Seq).ValueGeneratedNever();
        builder.Property(a => a.KeyId).HasMaxLength(64);
        builder.Property(a => a.CreatedBy).HasMaxLength(100);
    }
}

internal sealed class AnchorLeafConfiguration : IEntityTypeConfiguration<AnchorLeafRecord>
{
    public void Configure(EntityTypeBuilder<AnchorLeafRecord> builder)
    {
        // No foreign keys: evidence is never deleted with what it describes, and a leaf whose anchor is gone is
        // itself a finding.
        builder.ToTable("log_anchor_leaves");
        builder.HasKey(l => new { l.AnchorSeq, l.LeafIndex });
        builder.HasIndex(l => new { l.DeliveryId, l.AnchorSeq });
    }
}

internal sealed class LogIntegrityFailureConfiguration : IEntityTypeConfiguration<LogIntegrityFailureRecord>
{
    public void Configure(EntityTypeBuilder<LogIntegrityFailureRecord> builder)
    {
        builder.ToTable("log_integrity_failures");
        builder.HasKey(f => f.DeliveryId);
        builder.Property(f => f.Reason).HasMaxLength(64);
    }
}

internal sealed class LogVerificationRunConfiguration : IEntityTypeConfiguration<LogVerificationRunRecord>
{
    public void Configure(EntityTypeBuilder<LogVerificationRunRecord> builder)
    {
        builder.ToTable("log_verification_runs");
        builder.HasKey(r => r.Id);
    }
}
