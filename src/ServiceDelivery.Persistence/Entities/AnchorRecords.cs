namespace ServiceDelivery.Persistence.Entities;

/// <summary>
/// A signed Merkle root over the chain heads of every delivery whose log was written in [From, To) (docs/evidence.md).
/// Rows are only ever added.
/// </summary>
public sealed class AnchorRecord
{
    /// <summary>1, 2, 3…: a gap is a deleted anchor.</summary>
    public long Seq { get; set; }

    public DateTimeOffset From { get; set; }

    public DateTimeOffset To { get; set; }

    /// <summary>Leaves (deliveries) in the tree.</summary>
    public long Size { get; set; }

    public required byte[] Root { get; set; }

    public required byte[] PreviousRoot { get; set; }

    /// <summary>The roots of the tree's chunks of <c>MerkleTree.ChunkSize</c> leaves, 32 bytes each, in order.</summary>
    public required byte[] ChunkRoots { get; set; }

    public required string KeyId { get; set; }

    /// <summary>ECDSA P-256 / SHA-256 over the statement's canonical bytes, DER.</summary>
    public required byte[] Signature { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Who asked for it: "system" for the daily run, else the platform operator.</summary>
    public required string CreatedBy { get; set; }
}

/// <summary>One leaf of an anchor: a delivery's head as of its last entry in the anchor's period.</summary>
public sealed class AnchorLeafRecord
{
    public long AnchorSeq { get; set; }

    public int LeafIndex { get; set; }

    public Guid DeliveryId { get; set; }

    public int Seq { get; set; }

    public required byte[] Head { get; set; }
}

/// <summary>A delivery whose history did not verify in the last sweep (cleared when it verifies again).</summary>
public sealed class LogIntegrityFailureRecord
{
    public Guid DeliveryId { get; set; }

    public int? FirstBrokenSeq { get; set; }

    public required string Reason { get; set; }

    public DateTimeOffset CheckedAt { get; set; }
}

/// <summary>A run of the integrity sweep: it checked the deliveries whose log was written in [From, Through).</summary>
public sealed class LogVerificationRunRecord
{
    public long Id { get; set; }

    public DateTimeOffset From { get; set; }

    public DateTimeOffset Through { get; set; }

    public int Checked { get; set; }

    public int Failed { get; set; }

    public DateTimeOffset FinishedAt { get; set; }
}
