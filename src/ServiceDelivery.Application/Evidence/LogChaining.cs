using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Evidence;
using ServiceDelivery.Persistence;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Application.Evidence;

/// <summary>
/// Links new process-log entries into their delivery's hash chain, inside the writer's transaction and under the
/// delivery's row lock: the one write path is the only place entries are made, so it is the only place they are
/// chained. A delivery whose older entries predate the chain gets them chained first.
/// </summary>
internal static class LogChaining
{
    private static readonly IReadOnlyDictionary<Guid, string> NoAttachments = new Dictionary<Guid, string>();

    /// <summary>Sets salt and hash on every log entry <paramref name="db"/> is about to insert, and the deliveries' heads.</summary>
    public static async Task SealAsync(ServiceDeliveryDbContext db, IEnumerable<DeliveryRecord> deliveries, CancellationToken cancellationToken)
    {
        // Entries are only ever added through db.ProcessLog.Add, which tracks them as Added at once: no need for the
        // full DetectChanges that Entries() runs by default (the save runs one anyway) on every command.
        List<LogRecord>? added = null;
        var autoDetect = db.ChangeTracker.AutoDetectChangesEnabled;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            foreach (var entry in db.ChangeTracker.Entries<LogRecord>())
            {
                if (entry.State == EntityState.Added)
                {
                    (added ??= []).Add(entry.Entity);
                }
            }
        }
        finally
        {
            db.ChangeTracker.AutoDetectChangesEnabled = autoDetect;
        }

        if (added is null)
        {
            return;
        }

        var shas = await AttachmentHashesAsync(db, added, cancellationToken);
        var records = deliveries.ToDictionary(d => d.Id);
        foreach (var group in added.GroupBy(l => l.DeliveryId))
        {
            var delivery = records[group.Key];
            var entries = group.OrderBy(l => l.Seq).ToList();
            var head = delivery.LogHead;
            if (head is null && entries[0].Seq > 1)
            {
                head = await ChainExistingAsync(db, delivery.Id, cancellationToken);
            }

            head ??= LogChain.Genesis.ToArray();
            foreach (var entry in entries)
            {
                head = Seal(entry, head, shas);
            }

            delivery.LogHead = head;
        }
    }

    /// <summary>What stands for an attachment whose row is gone (verification reports it; chaining must not stop a delivery).</summary>
    public const string MissingAttachment = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>The chain entry of a stored log row (its salt set), with the attachments' SHA-256 from <paramref name="shas"/>.</summary>
    public static ChainEntry ToChainEntry(LogRecord entry, IReadOnlyDictionary<Guid, string> shas) => new(
        entry.DeliveryId,
        entry.Seq,
        entry.At,
        entry.ActorId,
        entry.ActorName,
        entry.ActorRole,
        entry.Action,
        entry.FromStage,
        entry.ToStage,
        entry.Timer,
        entry.Data,
        ChainEntry.HashInternal(entry.InternalSalt ?? throw new InvalidOperationException($"Log entry {entry.DeliveryId}/{entry.Seq} has no salt."), entry.InternalData),
        [.. entry.AttachmentIds.Select(id => shas.GetValueOrDefault(id, MissingAttachment))]);

    /// <summary>SHA-256 (hex) of every attachment the entries refer to.</summary>
    public static async Task<IReadOnlyDictionary<Guid, string>> AttachmentHashesAsync(ServiceDeliveryDbContext db, IEnumerable<LogRecord> entries, CancellationToken cancellationToken)
    {
        var ids = entries.SelectMany(l => l.AttachmentIds).Distinct().ToArray();
        return ids.Length == 0
            ? NoAttachments
            : await db.Attachments.Where(a => ids.Contains(a.Id)).ToDictionaryAsync(a => a.Id, a => a.Sha256, cancellationToken);
    }

    /// <summary>
    /// Chains the stored entries of a delivery that has none chained yet (rows from before the chain existed), in
    /// the caller's transaction; answers the head. Only ever runs on rows nobody has vouched for yet.
    /// </summary>
    public static async Task<byte[]> ChainExistingAsync(ServiceDeliveryDbContext db, Guid deliveryId, CancellationToken cancellationToken)
    {
        var entries = await db.ProcessLog.Where(l => l.DeliveryId == deliveryId).OrderBy(l => l.Seq).ToListAsync(cancellationToken);
        var shas = await AttachmentHashesAsync(db, entries, cancellationToken);
        var head = LogChain.Genesis.ToArray();
        foreach (var entry in entries)
        {
            head = Seal(entry, head, shas);
        }

        return head;
    }

    private static byte[] Seal(LogRecord entry, byte[] previous, IReadOnlyDictionary<Guid, string> shas)
    {
        entry.InternalSalt ??= ChainEntry.NewSalt();
        entry.Hash = LogChain.Link(previous, ToChainEntry(entry, shas));
        return entry.Hash;
    }
}
