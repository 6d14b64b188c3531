using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ServiceDelivery.Evidence;

/// <summary>
/// The outcome of checking a bundle offline. <see cref="FirstBrokenSeq"/> names the first entry that is bad or that
/// the evidence can no longer pin; <see cref="Reason"/> is one of <see cref="Reasons"/>, the reason of that entry's
/// problem. <see cref="Problems"/> lists every problem found, one plain English line each.
/// </summary>
public sealed record BundleReport(
    bool Valid,
    int Entries,
    string Head,
    int? AnchoredThrough,
    int? FirstBrokenSeq,
    string? Reason,
    string KeyId,
    bool KeyPinned,
    IReadOnlyList<string> Problems)
{
    /// <summary>What the bundle says it is (its manifest).</summary>
    public required BundleManifest Manifest { get; init; }

    /// <summary>Anchors in the bundle.</summary>
    public int Anchors { get; init; }
}

/// <summary>The file is not a readable <c>sd-evidence-1</c> bundle (not a zip, a file missing, malformed JSON).</summary>
public sealed class EvidenceBundleException : IOException
{
    public EvidenceBundleException()
    {
    }

    public EvidenceBundleException(string message)
        : base(message)
    {
    }

    public EvidenceBundleException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>
/// Checks an evidence bundle with no database and no network (docs/evidence.md, "Checks"): attachments against the
/// hashes their entries recorded, internal notes against their hashes, the hash chain, the Merkle proofs of the
/// delivery's heads against the anchors' roots, and the anchors' signatures and links.
/// </summary>
public static class BundleVerifier
{
    private sealed record Finding(string Reason, int? Seq, string Text);

    /// <summary>
    /// Checks the bundle in <paramref name="zip"/>. With <paramref name="trustedKey"/> the anchors must be signed
    /// with that key (the one the platform publishes); without it the bundle's own <c>public-key.pem</c> is taken
    /// on trust and <see cref="BundleReport.KeyPinned"/> is false.
    /// </summary>
    /// <exception cref="EvidenceBundleException">Not a readable bundle.</exception>
    public static BundleReport Verify(Stream zip, AnchorKey? trustedKey)
    {
        ArgumentNullException.ThrowIfNull(zip);
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(zip, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new EvidenceBundleException("not a zip file: " + e.Message, e);
        }

        using (archive)
        {
            return Verify(archive, trustedKey);
        }
    }

    private static BundleReport Verify(ZipArchive archive, AnchorKey? trustedKey)
    {
        var files = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
        foreach (var file in archive.Entries.Where(e => !e.FullName.EndsWith('/')))
        {
            if (!files.TryAdd(file.FullName, file))
            {
                throw new EvidenceBundleException($"{file.FullName} is in the zip twice");
            }
        }

        var manifest = ReadJson<BundleManifest>(files, EvidenceBundle.ManifestFile);
        if (manifest.Format != EvidenceBundle.Format)
        {
            throw new EvidenceBundleException($"{EvidenceBundle.ManifestFile}: format is \"{manifest.Format}\", not \"{EvidenceBundle.Format}\"");
        }

        var log = ReadJson<List<BundleLogEntry>>(files, EvidenceBundle.LogFile);
        var anchors = ReadJson<List<BundleAnchor>>(files, EvidenceBundle.AnchorsFile);
        var proofs = ReadJson<List<BundleProof>>(files, EvidenceBundle.ProofsFile);
        using var bundleKey = ReadKey(files);

        List<(ChainEntry Entry, byte[] Hash, BundleLogEntry Json)> entries;
        List<(AnchorStatement Statement, BundleAnchor Json)> statements;
        try
        {
            entries = log.Select(e => (ToChainEntry(manifest.DeliveryId, e), Hex.Bytes(e.Hash, 32, $"entry {e.Seq} hash"), e)).ToList();
            statements = anchors.Select(a => (a.ToStatement(), a)).ToList();
        }
        catch (FormatException e)
        {
            throw new EvidenceBundleException(e.Message, e);
        }

        var findings = new List<Finding>();
        CheckAttachments(files, entries, findings);
        CheckInternalNotes(entries, findings);

        var chain = LogChain.Verify(entries.Select(e => (e.Entry, e.Hash)).ToList());
        if (!chain.Valid)
        {
            findings.Add(new Finding(chain.Reason!, chain.FirstBrokenSeq, chain.Reason switch
            {
                Reasons.EntryMissing => $"entry {chain.FirstBrokenSeq} is missing from the log (deleted, or entries reordered)",
                Reasons.EntryOutOfOrder => $"entry {chain.FirstBrokenSeq} is out of order (numbers repeat or go back)",
                _ => $"entry {chain.FirstBrokenSeq} is not what its hash says: its content was changed",
            }));
        }

        // Anchors: the key, each signature, and the links of the sequence.
        var keyPinned = trustedKey is not null && trustedKey.KeyId == bundleKey.KeyId;
        if (trustedKey is not null && !keyPinned)
        {
            findings.Add(new Finding(Reasons.SignatureInvalid, entries.Count > 0 ? 1 : null,
                $"the bundle is signed with another key than the one you trust (bundle key {bundleKey.KeyId}, trusted key {trustedKey.KeyId})"));
        }

        if (manifest.KeyId != bundleKey.KeyId)
        {
            findings.Add(new Finding(Reasons.SignatureInvalid, null, $"the manifest names key {manifest.KeyId}, but public-key.pem is key {bundleKey.KeyId}"));
        }

        var verifyingKey = trustedKey ?? bundleKey;
        var brokenAnchors = new List<(long AnchorSeq, string Reason, string Text)>();
        foreach (var (statement, json) in statements)
        {
            foreach (var problem in CheckAnchor(files, statement, json, bundleKey, verifyingKey))
            {
                brokenAnchors.Add((statement.Seq, Reasons.SignatureInvalid, problem));
            }
        }

        CheckAnchorSequence(statements, entries, findings);

        // Proofs: the delivery's head at an entry is a leaf of an anchor.
        var anchorBySeq = statements.GroupBy(s => s.Statement.Seq).ToDictionary(g => g.Key, g => g.First().Statement);
        var badAnchors = brokenAnchors.Select(b => b.AnchorSeq).ToHashSet();
        var pinned = new List<int>();
        var brokenProofs = new List<(BundleProof Proof, string Reason, string Text)>();
        foreach (var proof in proofs.OrderBy(p => p.Seq))
        {
            if (!anchorBySeq.TryGetValue(proof.AnchorSeq, out var anchor))
            {
                brokenProofs.Add((proof, Reasons.AnchorMissing, $"a proof for entry {proof.Seq} refers to anchor {proof.AnchorSeq}, which is not in the bundle"));
                continue;
            }

            if (proof.Seq < 1 || proof.Seq > entries.Count)
            {
                findings.Add(proof.Seq > entries.Count
                    ? new Finding(Reasons.EntryMissing, entries.Count + 1, $"anchor {proof.AnchorSeq} holds the delivery's head as of entry {proof.Seq}, but the log ends at entry {entries.Count}: entries were removed from its end")
                    : new Finding(Reasons.ProofInvalid, null, $"a proof in anchor {proof.AnchorSeq} names entry {proof.Seq}"));
                continue;
            }

            byte[] head;
            List<byte[]> path;
            try
            {
                head = Hex.Bytes(proof.Head, 32, $"proof for entry {proof.Seq} head");
                path = (proof.Path ?? []).Select(p => Hex.Bytes(p, 32, $"proof for entry {proof.Seq} path")).ToList();
            }
            catch (FormatException e)
            {
                throw new EvidenceBundleException($"{EvidenceBundle.ProofsFile}: {e.Message}", e);
            }

            var chained = proof.Seq <= chain.Hashes.Count ? chain.Hashes[proof.Seq - 1] : null;
            var leaf = MerkleTree.LeafHash(MerkleTree.LeafData(manifest.DeliveryId, proof.Seq, head));
            var leads = MerkleTree.Verify(leaf, proof.LeafIndex, anchor.Size, path, anchor.Root);
            if (chained is not null && !chained.AsSpan().SequenceEqual(head))
            {
                brokenProofs.Add((proof, Reasons.AnchorMismatch, $"anchor {proof.AnchorSeq} holds head {Convert.ToHexStringLower(head)} for entry {proof.Seq}, but the log's chain gives {Convert.ToHexStringLower(chained)}: the history was rewritten and its hashes recomputed"));
            }
            else if (!leads)
            {
                brokenProofs.Add((proof, Reasons.ProofInvalid, $"the Merkle proof for entry {proof.Seq} does not lead to the root of anchor {proof.AnchorSeq}"));
            }
            else if (chained is not null && !badAnchors.Contains(proof.AnchorSeq))
            {
                pinned.Add(proof.Seq);
            }
        }

        // An anchor problem names the earliest entry the evidence can no longer pin: the one after the newest entry
        // still proven by an intact anchor.
        int FirstUnpinned(int seq) => pinned.Where(p => p < seq).DefaultIfEmpty(0).Max() + 1;
        foreach (var (proof, reason, text) in brokenProofs)
        {
            findings.Add(new Finding(reason, FirstUnpinned(proof.Seq), text));
        }

        foreach (var (anchorSeq, reason, text) in brokenAnchors)
        {
            var affected = proofs.Where(p => p.AnchorSeq == anchorSeq && p.Seq >= 1 && p.Seq <= entries.Count).Select(p => (int?)FirstUnpinned(p.Seq)).Min();
            findings.Add(new Finding(reason, affected, text));
        }

        var ordered = findings.OrderBy(f => f.Seq ?? int.MaxValue).ToList();
        var first = ordered.FirstOrDefault();
        return new BundleReport(
            first is null,
            entries.Count,
            Convert.ToHexStringLower(chain.Head),
            pinned.Count == 0 ? null : pinned.Max(),
            first?.Seq,
            first?.Reason,
            bundleKey.KeyId,
            keyPinned,
            ordered.Select(f => f.Text).ToList())
        {
            Manifest = manifest,
            Anchors = statements.Count,
        };
    }

    private static ChainEntry ToChainEntry(Guid deliveryId, BundleLogEntry e)
    {
        if (!EvidenceTime.TryParse(e.At, out var at))
        {
            throw new FormatException($"entry {e.Seq}: at \"{e.At}\" is not a time like 2026-12-01T08:30:15.123456Z");
        }

        var actor = e.Actor ?? new BundleActor();
        var attachments = (e.Attachments ?? []).Select(a => Convert.ToHexStringLower(Hex.Bytes(a.Sha256, 32, $"entry {e.Seq} attachment sha256"))).ToList();
        return new ChainEntry(
            deliveryId,
            e.Seq,
            at,
            actor.Id ?? "",
            actor.Name ?? "",
            actor.Role ?? "",
            e.Action ?? "",
            e.FromStage,
            e.ToStage ?? "",
            e.Timer,
            e.Data ?? [],
            Hex.Bytes(e.InternalHash, 32, $"entry {e.Seq} internalHash"),
            attachments);
    }

    private static void CheckAttachments(Dictionary<string, ZipArchiveEntry> files, List<(ChainEntry Entry, byte[] Hash, BundleLogEntry Json)> entries, List<Finding> findings)
    {
        foreach (var (entry, _, json) in entries)
        {
            foreach (var attachment in json.Attachments ?? [])
            {
                var name = EvidenceBundle.AttachmentFile(attachment.Sha256);
                if (!files.TryGetValue(name, out var file))
                {
                    findings.Add(new Finding(Reasons.AttachmentChanged, entry.Seq, $"entry {entry.Seq}: attachment \"{attachment.FileName}\" ({name}) is not in the bundle"));
                    continue;
                }

                byte[] sha;
                long size;
                using (var stream = file.Open())
                using (var counting = new CountingStream(stream))
                {
                    sha = SHA256.HashData(counting);
                    size = counting.Count;
                }

                if (!Convert.ToHexStringLower(sha).Equals(attachment.Sha256, StringComparison.OrdinalIgnoreCase))
                {
                    findings.Add(new Finding(Reasons.AttachmentChanged, entry.Seq, $"entry {entry.Seq}: the bytes of attachment \"{attachment.FileName}\" are not those the entry recorded (SHA-256 {Convert.ToHexStringLower(sha)}, recorded {attachment.Sha256.ToLowerInvariant()})"));
                }
                else if (size != attachment.Size)
                {
                    findings.Add(new Finding(Reasons.AttachmentChanged, entry.Seq, $"entry {entry.Seq}: attachment \"{attachment.FileName}\" has {size} bytes, the log says {attachment.Size}"));
                }
            }
        }
    }

    private static void CheckInternalNotes(List<(ChainEntry Entry, byte[] Hash, BundleLogEntry Json)> entries, List<Finding> findings)
    {
        foreach (var (entry, _, json) in entries)
        {
            if (json.InternalData is null && json.InternalSalt is null)
            {
                continue; // a party's bundle: the hash alone enters the chain
            }

            if (json.InternalData is null || json.InternalSalt is null)
            {
                findings.Add(new Finding(Reasons.EntryChanged, entry.Seq, $"entry {entry.Seq}: the internal note comes without its salt, or the salt without the note"));
                continue;
            }

            byte[] salt;
            try
            {
                salt = Convert.FromHexString(json.InternalSalt);
            }
            catch (FormatException e)
            {
                throw new EvidenceBundleException($"entry {entry.Seq}: internalSalt is not hex", e);
            }

            if (!ChainEntry.HashInternal(salt, json.InternalData).AsSpan().SequenceEqual(entry.InternalHash))
            {
                findings.Add(new Finding(Reasons.EntryChanged, entry.Seq, $"entry {entry.Seq}: the internal note is not what its hash says: it was changed"));
            }
        }
    }

    private static IEnumerable<string> CheckAnchor(Dictionary<string, ZipArchiveEntry> files, AnchorStatement statement, BundleAnchor json, AnchorKey bundleKey, AnchorKey verifyingKey)
    {
        var n = statement.Seq;
        if (statement.KeyId != bundleKey.KeyId)
        {
            yield return $"anchor {n} names key {statement.KeyId}, but public-key.pem is key {bundleKey.KeyId}";
        }

        var bytes = statement.CanonicalBytes();
        var bin = ReadBytes(files, EvidenceBundle.StatementFile(n));
        if (bin is null || !bin.AsSpan().SequenceEqual(bytes))
        {
            yield return bin is null
                ? $"{EvidenceBundle.StatementFile(n)} is missing"
                : $"{EvidenceBundle.StatementFile(n)} is not the statement anchors.json describes for anchor {n}";
        }

        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(json.Signature ?? "");
        }
        catch (FormatException)
        {
            signature = [];
        }

        var sig = ReadBytes(files, EvidenceBundle.SignatureFile(n));
        if (sig is null || !sig.AsSpan().SequenceEqual(signature))
        {
            yield return sig is null
                ? $"{EvidenceBundle.SignatureFile(n)} is missing"
                : $"{EvidenceBundle.SignatureFile(n)} is not the signature anchors.json gives for anchor {n}";
        }

        bool verifies;
        try
        {
            verifies = signature.Length > 0 && verifyingKey.Verify(bytes, signature);
        }
        catch (CryptographicException)
        {
            verifies = false;
        }

        if (!verifies)
        {
            yield return verifyingKey == bundleKey
                ? $"the signature of anchor {n} does not verify with public-key.pem (re-signed with another key, or the anchor was changed)"
                : $"the signature of anchor {n} does not verify with the key you trust";
        }
    }

    private static void CheckAnchorSequence(List<(AnchorStatement Statement, BundleAnchor Json)> statements, List<(ChainEntry Entry, byte[] Hash, BundleLogEntry Json)> entries, List<Finding> findings)
    {
        // Names the first entry written in [from, to): the earliest entry whose anchor is gone.
        int? FirstWrittenIn(DateTimeOffset? from, DateTimeOffset to) =>
            entries.Where(e => (from is null || e.Entry.At >= from) && e.Entry.At < to).Select(e => (int?)e.Entry.Seq).Min();

        AnchorStatement? previous = null;
        foreach (var (anchor, _) in statements)
        {
            if (previous is null)
            {
                if (anchor.Seq != 1 || !anchor.PreviousRoot.AsSpan().SequenceEqual(new byte[32]))
                {
                    findings.Add(new Finding(Reasons.AnchorMissing, FirstWrittenIn(null, anchor.From),
                        anchor.Seq != 1 ? $"anchors 1 to {anchor.Seq - 1} are missing (the bundle's first anchor is {anchor.Seq})" : "anchor 1 does not start the sequence (its previousRoot is not zeros)"));
                }
            }
            else if (anchor.Seq <= previous.Seq)
            {
                findings.Add(new Finding(Reasons.AnchorMissing, null, $"anchor {anchor.Seq} follows anchor {previous.Seq}: anchors.json is not in order"));
            }
            else if (anchor.Seq != previous.Seq + 1 || !anchor.PreviousRoot.AsSpan().SequenceEqual(previous.Root) || anchor.From != previous.To)
            {
                var (gapFrom, gapTo) = previous.To <= anchor.From ? (previous.To, anchor.From) : (anchor.From, previous.To);
                var text = anchor.Seq != previous.Seq + 1
                    ? $"anchor {previous.Seq + 1}" + (anchor.Seq > previous.Seq + 2 ? $" to {anchor.Seq - 1}" : "") + $" missing: the anchors jump from {previous.Seq} to {anchor.Seq}"
                    : $"anchor {anchor.Seq} does not follow anchor {previous.Seq}" + (anchor.From != previous.To ? " (a time gap between them)" : " (its previousRoot is not anchor " + previous.Seq.ToString(CultureInfo.InvariantCulture) + "'s root)") + ": an anchor was removed or replaced";
                findings.Add(new Finding(Reasons.AnchorMissing, FirstWrittenIn(gapFrom, gapTo),
                    text + $"; entries written {EvidenceTime.Format(gapFrom)} to {EvidenceTime.Format(gapTo)} lost their anchor"));
            }

            previous = anchor;
        }
    }

    private static T ReadJson<T>(Dictionary<string, ZipArchiveEntry> files, string name)
    {
        var bytes = ReadBytes(files, name) ?? throw new EvidenceBundleException($"{name} is missing");
        try
        {
            return JsonSerializer.Deserialize<T>(bytes, EvidenceBundle.JsonOptions) ?? throw new EvidenceBundleException($"{name} is null");
        }
        catch (JsonException e)
        {
            throw new EvidenceBundleException($"{name}: {e.Message}", e);
        }
    }

    private static AnchorKey ReadKey(Dictionary<string, ZipArchiveEntry> files)
    {
        var pem = ReadBytes(files, EvidenceBundle.PublicKeyFile) ?? throw new EvidenceBundleException($"{EvidenceBundle.PublicKeyFile} is missing");
        try
        {
            return AnchorKey.FromPem(Encoding.UTF8.GetString(pem));
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            throw new EvidenceBundleException($"{EvidenceBundle.PublicKeyFile}: not an ECDSA P-256 public key ({e.Message})", e);
        }
    }

    private static byte[]? ReadBytes(Dictionary<string, ZipArchiveEntry> files, string name)
    {
        if (!files.TryGetValue(name, out var file))
        {
            return null;
        }

        using var stream = file.Open();
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    /// <summary>Counts what is read through it (an attachment's size as stored, whatever the zip header says).</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Count { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => Count; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = inner.Read(buffer, offset, count);
            Count += read;
            return read;
        }

        public override int Read(Span<byte> buffer)
        {
            var read = inner.Read(buffer);
            Count += read;
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
