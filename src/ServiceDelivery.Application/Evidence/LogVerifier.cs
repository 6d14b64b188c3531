using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Application.Attachments;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Evidence;
using ServiceDelivery.Persistence;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Application.Evidence;

/// <summary>
/// Whether a delivery's history is what was written: <paramref name="Valid"/>, how many entries, the chain's head,
/// the last entry a signed anchor proves, and otherwise the first entry that cannot be trusted and why
/// (<see cref="Reasons"/>).
/// </summary>
public sealed record LogVerification(bool Valid, int Entries, string Head, int? AnchoredThrough, int? FirstBrokenSeq, string? Reason);

/// <summary>
/// Recomputes a delivery's chain from its rows and its attachments' bytes, and checks it against the signed
/// anchors: their signatures, that they follow each other, that the delivery's anchored heads are the chain's, and
/// the Merkle proof of the newest one.
/// </summary>
public sealed class LogVerifier(IDbContextFactory<ServiceDeliveryDbContext> contexts, AnchorKeys keys, IAttachmentStorage? storage = null)
{
    // Anchors are never changed: a statement and signature once verified need not be again (keyed by their hash,
    // so an edited anchor is a new key and is checked).
    private static readonly ConcurrentDictionary<string, bool> VerifiedAnchors = new(StringComparer.Ordinal);

    /// <summary>The caller's view: parties and the platform; a delivery they may not see is not found.</summary>
    public async Task<Result<LogVerification>> VerifyAsync(Caller caller, Guid deliveryId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var evidence = await StoredEvidence.LoadAsync(db, deliveryId, cancellationToken);
        if (evidence is null || !DeliveryAccess.CanSee(caller, evidence.Delivery))
        {
            return Failure.NotFound;
        }

        return await VerifyAsync(db, evidence, cancellationToken);
    }

    /// <summary>Verifies without a caller (the integrity sweep); null when there is no such delivery.</summary>
    internal async Task<LogVerification?> VerifyAsync(ServiceDeliveryDbContext db, Guid deliveryId, CancellationToken cancellationToken)
    {
        var evidence = await StoredEvidence.LoadAsync(db, deliveryId, cancellationToken);
        return evidence is null ? null : await VerifyAsync(db, evidence, cancellationToken);
    }

    internal async Task<LogVerification> VerifyAsync(ServiceDeliveryDbContext db, StoredEvidence evidence, CancellationToken cancellationToken)
    {
        var problems = new List<(int? Seq, string Reason)>();
        var entries = evidence.Entries;

        // 1. Attachments: every referenced row exists and the stored bytes are still those it was recorded with.
        var badFiles = await ChangedAttachmentsAsync(evidence, cancellationToken);
        var firstBadFile = entries.FirstOrDefault(e => e.AttachmentIds.Any(badFiles.Contains));
        if (firstBadFile is not null)
        {
            problems.Add((firstBadFile.Seq, Reasons.AttachmentChanged));
        }

        // 2. The chain, entry by entry.
        var shas = evidence.Attachments.ToDictionary(a => a.Key, a => a.Value.Sha256);
        var chain = LogChain.Verify([.. entries.Select(e => (e.InternalSalt is null ? Unchained(e) : LogChaining.ToChainEntry(e, shas), e.Hash ?? Array.Empty<byte>()))]);
        if (!chain.Valid)
        {
            problems.Add((chain.FirstBrokenSeq, chain.Reason!));
        }
        else if (evidence.Delivery.LastLogSeq != entries.Count)
        {
            problems.Add((entries.Count + 1, Reasons.EntryMissing));
        }
        else if (entries.Count > 0 && !chain.Head.AsSpan().SequenceEqual(evidence.Delivery.LogHead))
        {
            problems.Add((entries.Count, Reasons.HeadMismatch));
        }

        // 3. Anchors: each of this delivery's anchored heads is the chain's hash at that entry, in an anchor that
        // exists, follows its predecessor and carries our signature; the newest is proven into its root.
        int? anchoredThrough = null;
        var anchors = evidence.Anchors.ToDictionary(a => a.Seq);
        var previousSeq = 0;
        foreach (var leaf in evidence.Leaves)
        {
            var firstUnproven = previousSeq + 1;
            if (!anchors.TryGetValue(leaf.AnchorSeq, out var anchor))
            {
                problems.Add((firstUnproven, Reasons.AnchorMissing));
                break;
            }

            if (!SignatureHolds(anchor))
            {
                problems.Add((firstUnproven, Reasons.SignatureInvalid));
                break;
            }

            if (leaf.Seq > chain.Hashes.Count || !chain.Hashes[leaf.Seq - 1].AsSpan().SequenceEqual(leaf.Head))
            {
                if (chain.Valid || leaf.Seq <= chain.Hashes.Count)
                {
                    problems.Add((firstUnproven, Reasons.AnchorMismatch));
                }

                break;
            }

            previousSeq = leaf.Seq;
        }

        if (evidence.Leaves.Count > 0 && problems.Count == 0)
        {
            var newest = evidence.Leaves[^1];
            var anchor = anchors[newest.AnchorSeq];
            var path = await AnchorProofs.PathAsync(db, anchor.Seq, newest.LeafIndex, cancellationToken);
            var leafHash = MerkleTree.LeafHash(MerkleTree.LeafData(evidence.Delivery.Id, newest.Seq, newest.Head));
            if (path is null || !MerkleTree.Verify(leafHash, newest.LeafIndex, anchor.Size, path, anchor.Root))
            {
                problems.Add((evidence.Leaves.Count > 1 ? evidence.Leaves[^2].Seq + 1 : 1, Reasons.ProofInvalid));
            }
            else
            {
                anchoredThrough = newest.Seq;
            }
        }

        // 4. The anchors follow each other: one deleted (or replaced) leaves a gap in the numbers, the links or the
        // periods; an entry of this delivery written in that gap has lost its proof.
        if (AnchorGap(evidence.Anchors) is { } gap && entries.FirstOrDefault(e => e.At >= gap.From && e.At < gap.To) is { } lost)
        {
            problems.Add((lost.Seq, Reasons.AnchorMissing));
        }

        var head = Convert.ToHexStringLower(chain.Valid && entries.Count > 0 ? chain.Head : evidence.Delivery.LogHead ?? []);
        if (problems.Count == 0)
        {
            return new LogVerification(true, entries.Count, head, anchoredThrough, null, null);
        }

        var first = problems.OrderBy(p => p.Seq ?? int.MaxValue).First();
        return new LogVerification(false, entries.Count, head, anchoredThrough is { } through && through < (first.Seq ?? int.MaxValue) ? through : null, first.Seq, first.Reason);
    }

    /// <summary>The first break in the sequence of anchors: the period no remaining anchor covers.</summary>
    internal static (DateTimeOffset From, DateTimeOffset To)? AnchorGap(IReadOnlyList<AnchorRecord> anchors)
    {
        var previousTo = DateTimeOffset.UnixEpoch;
        var previousRoot = new byte[32];
        for (var i = 0; i < anchors.Count; i++)
        {
            var anchor = anchors[i];
            if (anchor.Seq != i + 1 || anchor.From != previousTo || !anchor.PreviousRoot.AsSpan().SequenceEqual(previousRoot))
            {
                return (previousTo, anchor.From > previousTo ? anchor.From : anchor.To);
            }

            previousTo = anchor.To;
            previousRoot = anchor.Root;
        }

        return null;
    }

    private bool SignatureHolds(AnchorRecord anchor)
    {
        var statement = new AnchorStatement(anchor.Seq, anchor.From, anchor.To, anchor.Size, anchor.Root, anchor.PreviousRoot, anchor.KeyId).CanonicalBytes();
        var cacheKey = Convert.ToHexStringLower(SHA256.HashData([.. statement, .. anchor.Signature]));
        if (VerifiedAnchors.ContainsKey(cacheKey))
        {
            return true;
        }

        var holds = keys.Find(anchor.KeyId) is { } key && key.Verify(statement, anchor.Signature);
        if (holds)
        {
            VerifiedAnchors.TryAdd(cacheKey, true);
        }

        return holds;
    }

    /// <summary>Attachments referenced by the log whose row is gone or whose stored bytes hash to something else.</summary>
    private async Task<HashSet<Guid>> ChangedAttachmentsAsync(StoredEvidence evidence, CancellationToken cancellationToken)
    {
        var changed = new HashSet<Guid>();
        foreach (var id in evidence.Entries.SelectMany(e => e.AttachmentIds).Distinct())
        {
            if (!evidence.Attachments.TryGetValue(id, out var attachment))
            {
                changed.Add(id);
                continue;
            }

            if (storage is null)
            {
                continue;
            }

            try
            {
                await using var bytes = storage.OpenRead(attachment.Sha256);
                var actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(bytes, cancellationToken));
                if (!string.Equals(actual, attachment.Sha256, StringComparison.OrdinalIgnoreCase))
                {
                    changed.Add(id);
                }
            }
            catch (IOException)
            {
                changed.Add(id);
            }
        }

        return changed;
    }

    /// <summary>A row that was never chained (no salt): it cannot match any hash.</summary>
    private static ChainEntry Unchained(LogRecord entry) => new(
        entry.DeliveryId, entry.Seq, entry.At, entry.ActorId, entry.ActorName, entry.ActorRole, entry.Action, entry.FromStage, entry.ToStage, entry.Timer,
        entry.Data, new byte[32], []);
}

/// <summary>Everything stored about one delivery's history: its row, log, attachments, anchored heads and the anchors.</summary>
internal sealed record StoredEvidence(
    DeliveryRecord Delivery,
    List<LogRecord> Entries,
    IReadOnlyDictionary<Guid, AttachmentRecord> Attachments,
    List<AnchorLeafRecord> Leaves,
    List<AnchorRecord> Anchors)
{
    public static async Task<StoredEvidence?> LoadAsync(ServiceDeliveryDbContext db, Guid deliveryId, CancellationToken cancellationToken)
    {
        var delivery = await db.Deliveries.AsNoTracking().FirstOrDefaultAsync(d => d.Id == deliveryId, cancellationToken);
        if (delivery is null)
        {
            return null;
        }

        // In the order they are stored by number: a reordering shows as numbers out of place.
        var entries = await db.ProcessLog.AsNoTracking().Where(l => l.DeliveryId == deliveryId).OrderBy(l => l.Seq).ToListAsync(cancellationToken);
        var ids = entries.SelectMany(e => e.AttachmentIds).Distinct().ToArray();
        var attachments = ids.Length == 0
            ? new Dictionary<Guid, AttachmentRecord>()
            : await db.Attachments.AsNoTracking().Where(a => ids.Contains(a.Id)).ToDictionaryAsync(a => a.Id, cancellationToken);
        var leaves = await db.LogAnchorLeaves.AsNoTracking().Where(l => l.DeliveryId == deliveryId).OrderBy(l => l.AnchorSeq).ToListAsync(cancellationToken);
        // Without their chunk roots (up to tens of kilobytes each): only a proof needs them.
        var anchors = await db.LogAnchors.AsNoTracking().OrderBy(a => a.Seq).Select(a => new AnchorRecord
        {
            Seq = a.Seq,
            From = a.From,
            To = a.To,
            Size = a.Size,
            Root = a.Root,
            PreviousRoot = a.PreviousRoot,
            ChunkRoots = Array.Empty<byte>(),
            KeyId = a.KeyId,
            Signature = a.Signature,
            CreatedAt = a.CreatedAt,
            CreatedBy = a.CreatedBy,
        }).ToListAsync(cancellationToken);
        return new StoredEvidence(delivery, entries, attachments, leaves, anchors);
    }
}

/// <summary>Merkle proofs out of the stored chunks: one chunk's leaves and the anchor's chunk roots.</summary>
internal static class AnchorProofs
{
    /// <summary>The audit path of a leaf (RFC 9162), or null when the stored leaves no longer make the chunk the anchor recorded.</summary>
    public static async Task<List<byte[]>?> PathAsync(ServiceDeliveryDbContext db, long anchorSeq, int leafIndex, CancellationToken cancellationToken)
    {
        var chunkRoots = await db.LogAnchors.AsNoTracking().Where(a => a.Seq == anchorSeq).Select(a => a.ChunkRoots).FirstOrDefaultAsync(cancellationToken);
        if (chunkRoots is null)
        {
            return null;
        }

        var chunk = leafIndex / MerkleTree.ChunkSize;
        var start = chunk * MerkleTree.ChunkSize;
        var leaves = await db.LogAnchorLeaves.AsNoTracking()
            .Where(l => l.AnchorSeq == anchorSeq && l.LeafIndex >= start && l.LeafIndex < start + MerkleTree.ChunkSize)
            .OrderBy(l => l.LeafIndex)
            .Select(l => new { l.DeliveryId, l.Seq, l.Head })
            .ToListAsync(cancellationToken);
        var hashes = leaves.Select(l => MerkleTree.LeafHash(MerkleTree.LeafData(l.DeliveryId, l.Seq, l.Head))).ToList();
        var roots = Enumerable.Range(0, chunkRoots.Length / 32).Select(i => chunkRoots.AsSpan(i * 32, 32).ToArray()).ToList();
        if (leafIndex - start >= hashes.Count || chunk >= roots.Count)
        {
            return null;
        }

        return [.. MerkleTree.Path(hashes, leafIndex - start), .. MerkleTree.Path(roots, chunk)];
    }
}
