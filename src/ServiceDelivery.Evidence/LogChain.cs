using System.Security.Cryptography;

namespace ServiceDelivery.Evidence;

/// <summary>
/// The per-delivery hash chain: hash₁ = SHA-256(32 zero bytes ‖ entry₁), hashₙ = SHA-256(hashₙ₋₁ ‖ entryₙ). Changing,
/// removing or reordering an entry changes every hash after it, so the head (kept on the delivery and anchored
/// daily) commits to the whole history.
/// </summary>
public static class LogChain
{
    /// <summary>What the first entry links to.</summary>
    public static ReadOnlySpan<byte> Genesis => new byte[32];

    public static byte[] Link(ReadOnlySpan<byte> previous, ChainEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return SHA256.HashData([.. previous, .. entry.CanonicalBytes()]);
    }

    /// <summary>
    /// Recomputes the chain over <paramref name="entries"/> (as stored, in order) and compares every link with the
    /// hash stored beside it. The first entry that is missing (a gap in the numbers), out of place or not what its
    /// hash says is named.
    /// </summary>
    public static ChainCheck Verify(IReadOnlyList<(ChainEntry Entry, byte[] StoredHash)> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var head = Genesis.ToArray();
        var hashes = new List<byte[]>(entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            var (entry, stored) = entries[i];
            if (entry.Seq != i + 1)
            {
                return new ChainCheck(false, hashes, Math.Min(entry.Seq, i + 1), entry.Seq > i + 1 ? Reasons.EntryMissing : Reasons.EntryOutOfOrder);
            }

            head = Link(head, entry);
            if (!CryptographicOperations.FixedTimeEquals(head, stored))
            {
                return new ChainCheck(false, hashes, entry.Seq, Reasons.EntryChanged);
            }

            hashes.Add(head);
        }

        return new ChainCheck(true, hashes, null, null);
    }
}

/// <summary>
/// The outcome of recomputing a chain: the hashes that hold (entry 1 onwards), and when one does not, the first bad
/// entry and why.
/// </summary>
public sealed record ChainCheck(bool Valid, IReadOnlyList<byte[]> Hashes, int? FirstBrokenSeq, string? Reason)
{
    /// <summary>The last hash that holds (the genesis when none does).</summary>
    public byte[] Head => Hashes.Count == 0 ? LogChain.Genesis.ToArray() : Hashes[^1];
}

/// <summary>Why a history does not verify (the <c>reason</c> of the API's answer and of the offline check).</summary>
public static class Reasons
{
    /// <summary>An entry's content is not what its hash says (edited, or its attachment list changed).</summary>
    public const string EntryChanged = "entry_changed";

    /// <summary>A number is missing: an entry was deleted.</summary>
    public const string EntryMissing = "entry_missing";

    /// <summary>Numbers repeat or go back: entries were reordered or duplicated.</summary>
    public const string EntryOutOfOrder = "entry_out_of_order";

    /// <summary>The delivery's head is not the last entry's hash (entries cut off the end).</summary>
    public const string HeadMismatch = "head_mismatch";

    /// <summary>An attachment's bytes are not those the entry recorded.</summary>
    public const string AttachmentChanged = "attachment_changed";

    /// <summary>An anchored head is not the chain's hash at that entry (history rewritten, hashes recomputed).</summary>
    public const string AnchorMismatch = "anchor_mismatch";

    /// <summary>The Merkle proof does not lead to the anchor's root.</summary>
    public const string ProofInvalid = "proof_invalid";

    /// <summary>An anchor's signature does not verify with the service's key.</summary>
    public const string SignatureInvalid = "signature_invalid";

    /// <summary>An anchor is missing from the sequence (deleted), or the sequence does not link up.</summary>
    public const string AnchorMissing = "anchor_missing";
}
