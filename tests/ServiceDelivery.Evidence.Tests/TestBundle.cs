using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ServiceDelivery.Evidence;

namespace ServiceDelivery.Evidence.Tests;

/// <summary>
/// Writes evidence bundles in the exact layout of docs/evidence.md with the Evidence primitives, so the verifier is
/// tested against bundles built independently of it: six entries over four days (an attachment on entry 2, an
/// internal note on entry 3), three daily anchors holding the delivery's head as of entries 2, 4 and 5, entry 6
/// not anchored yet. Fields are public so a test can tamper with them before <see cref="ToZip"/>.
/// </summary>
internal sealed class TestBundle
{
    public static readonly Guid Delivery = Guid.Parse("0192f0e2-7c3a-7b1e-9a55-1b2c3d4e5f60");
    public static readonly DateTimeOffset Day0 = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly byte[] Requirement = Encoding.UTF8.GetBytes("%PDF-1.4\n需求说明：部署一套测试环境（2 台 4 核 8G）\n");

    public BundleManifest Manifest { get; set; } = new();

    public List<BundleLogEntry> Log { get; } = [];

    /// <summary>sha256 hex → bytes, written as attachments/&lt;sha256&gt;.</summary>
    public Dictionary<string, byte[]> Attachments { get; } = [];

    public List<BundleAnchor> Anchors { get; } = [];

    public List<BundleProof> Proofs { get; } = [];

    public string PublicKeyPem { get; set; } = "";

    /// <summary>Files written instead of what the fields give (null: left out of the zip).</summary>
    public Dictionary<string, byte[]?> Overrides { get; } = [];

    public static TestBundle Create(AnchorKey key, bool party = false)
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(Requirement));
        var bundle = new TestBundle();
        bundle.Attachments[sha] = Requirement;
        BundleActor buyer = new() { Id = "b-1001", Name = "张三", Role = "buyer" }, provider = new() { Id = "p-2001", Name = "李四", Role = "provider" };
        bundle.Add(Day0.AddHours(8).AddMinutes(30).AddSeconds(15).AddTicks(1234560), buyer, "start", null, "requirement_pending", null, new() { ["description"] = "需要部署一套测试环境" }, null, party);
        bundle.Add(Day0.AddHours(9).AddMinutes(12).AddSeconds(3).AddTicks(5000010), buyer, "submit_requirement", "requirement_pending", "requirement_confirming", null, new() { ["description"] = "需要部署一套测试环境", ["budget"] = "5000" }, null, party,
            new BundleAttachment { Id = "a-1", Sha256 = sha, FileName = "需求说明.pdf", ContentType = "application/pdf", Size = Requirement.Length });
        bundle.Add(Day0.AddDays(1).AddHours(10), provider, "confirm_requirement", "requirement_confirming", "implementing", "implementation_deadline", new() { ["comment"] = "确认，三天内完成" }, new() { ["note"] = "内部：买家曾投诉" }, party);
        bundle.Add(Day0.AddDays(1).AddHours(16).AddMinutes(45).AddSeconds(30).AddTicks(2500000), provider, "submit_delivery", "implementing", "acceptance", null, new() { ["summary"] = "测试环境已部署" }, null, party);
        bundle.Add(Day0.AddDays(2).AddHours(9).AddTicks(10), buyer, "reject", "acceptance", "implementing", null, new() { ["reason"] = "缺少监控" }, null, party);
        bundle.Add(Day0.AddDays(3).AddHours(1).AddMinutes(2).AddSeconds(3).AddTicks(405060), provider, "submit_delivery", "implementing", "acceptance", null, [], null, party);
        bundle.Rehash();
        bundle.Anchor(key, anchors: 3);
        bundle.Manifest = new BundleManifest
        {
            DeliveryId = Delivery,
            OrderId = "ORD-20261201-0001",
            GeneratedAt = EvidenceTime.Format(Day0.AddDays(3).AddHours(2)),
            Audience = party ? "party" : "platform",
            KeyId = key.KeyId,
        };
        return bundle;
    }

    private void Add(DateTimeOffset at, BundleActor actor, string action, string? from, string to, string? timer, Dictionary<string, string> data, Dictionary<string, string>? note, bool party, params BundleAttachment[] attachments)
    {
        var seq = Log.Count + 1;
        var salt = SHA256.HashData(Encoding.UTF8.GetBytes($"salt-{seq}"))[..16];
        note ??= [];
        Log.Add(new BundleLogEntry
        {
            Seq = seq,
            At = EvidenceTime.Format(at),
            Actor = actor,
            Action = action,
            FromStage = from,
            ToStage = to,
            Timer = timer,
            Data = data,
            InternalData = party ? null : note,
            InternalSalt = party ? null : Convert.ToHexStringLower(salt),
            InternalHash = Convert.ToHexStringLower(ChainEntry.HashInternal(salt, note)),
            Attachments = [.. attachments],
        });
    }

    public static ChainEntry ToChainEntry(BundleLogEntry e)
    {
        EvidenceTime.TryParse(e.At, out var at).Should().BeTrue();
        return new ChainEntry(Delivery, e.Seq, at, e.Actor.Id, e.Actor.Name, e.Actor.Role, e.Action, e.FromStage, e.ToStage, e.Timer, e.Data,
            Convert.FromHexString(e.InternalHash), e.Attachments.Select(a => a.Sha256).ToList());
    }

    /// <summary>Recomputes every entry's hash from its content (what someone rewriting history would do).</summary>
    public void Rehash()
    {
        var head = LogChain.Genesis.ToArray();
        for (var i = 0; i < Log.Count; i++)
        {
            head = LogChain.Link(head, ToChainEntry(Log[i]));
            Log[i] = Log[i] with { Hash = Convert.ToHexStringLower(head) };
        }
    }

    /// <summary>
    /// Builds daily anchors 1..<paramref name="anchors"/> over [day k-1, day k) from the log's stored hashes, signed
    /// with <paramref name="key"/>, and the delivery's proofs; other deliveries fill the trees.
    /// </summary>
    public void Anchor(AnchorKey key, int anchors)
    {
        Anchors.Clear();
        Proofs.Clear();
        PublicKeyPem = key.PublicKeyPem;
        Manifest = Manifest with { KeyId = key.KeyId };
        var previousRoot = new byte[32];
        int[] sizes = [3, 5, 1], indexes = [1, 4, 0];
        for (var k = 1; k <= anchors; k++)
        {
            var (from, to) = (Day0.AddDays(k - 1), Day0.AddDays(k));
            var last = Log.Where(e => EvidenceTime.TryParse(e.At, out var at) && at >= from && at < to).LastOrDefault();
            var size = sizes[(k - 1) % 3];
            var index = indexes[(k - 1) % 3];
            var leaves = Enumerable.Range(0, size).Select(i => MerkleTree.LeafHash(Encoding.UTF8.GetBytes($"other delivery {k}/{i}"))).ToList();
            if (last is not null)
            {
                leaves[index] = MerkleTree.LeafHash(MerkleTree.LeafData(Delivery, last.Seq, Convert.FromHexString(last.Hash)));
            }

            var statement = new AnchorStatement(k, from, to, size, MerkleTree.Root(leaves), previousRoot, key.KeyId);
            Anchors.Add(BundleAnchor.Of(statement, key.Sign(statement.CanonicalBytes())));
            if (last is not null)
            {
                Proofs.Add(new BundleProof
                {
                    AnchorSeq = k,
                    LeafIndex = index,
                    Seq = last.Seq,
                    Head = last.Hash,
                    Path = MerkleTree.Path(leaves, index).Select(Convert.ToHexStringLower).ToList(),
                });
            }

            previousRoot = statement.Root;
        }
    }

    /// <summary>Signs anchor <paramref name="seq"/> again with <paramref name="key"/> (its statement unchanged).</summary>
    public void Resign(long seq, AnchorKey key)
    {
        var i = Anchors.FindIndex(a => a.Seq == seq);
        Anchors[i] = Anchors[i] with { Signature = Convert.ToBase64String(key.Sign(Anchors[i].ToStatement().CanonicalBytes())) };
    }

    /// <summary>The bundle as the server writes it.</summary>
    public byte[] ToZip()
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            void Write(string name, byte[] bytes)
            {
                if (Overrides.TryGetValue(name, out var replaced))
                {
                    if (replaced is null)
                    {
                        return;
                    }

                    bytes = replaced;
                }

                using var stream = zip.CreateEntry(name).Open();
                stream.Write(bytes);
            }

            void Json<T>(string name, T value) => Write(name, JsonSerializer.SerializeToUtf8Bytes(value, EvidenceBundle.JsonOptions));

            Json(EvidenceBundle.ManifestFile, Manifest);
            Json(EvidenceBundle.LogFile, Log);
            foreach (var (sha, bytes) in Attachments)
            {
                Write(EvidenceBundle.AttachmentFile(sha), bytes);
            }

            Json(EvidenceBundle.AnchorsFile, Anchors);
            foreach (var anchor in Anchors)
            {
                Write(EvidenceBundle.StatementFile(anchor.Seq), anchor.ToStatement().CanonicalBytes());
                Write(EvidenceBundle.SignatureFile(anchor.Seq), Convert.FromBase64String(anchor.Signature));
            }

            Json(EvidenceBundle.ProofsFile, Proofs);
            Write(EvidenceBundle.PublicKeyFile, Encoding.ASCII.GetBytes(PublicKeyPem + "\n"));
            Write(EvidenceBundle.SummaryFile, Encoding.UTF8.GetBytes($"<!doctype html><meta charset=utf-8><title>{Manifest.OrderId}</title><h1>交付记录 {Manifest.OrderId}</h1>"));
        }

        return memory.ToArray();
    }

    public BundleReport Verify(AnchorKey? trusted = null)
    {
        using var zip = new MemoryStream(ToZip());
        return BundleVerifier.Verify(zip, trusted);
    }
}
