using System.Security.Cryptography;
using ServiceDelivery.Evidence;

namespace ServiceDelivery.Evidence.Tests;

public sealed class LogChainTests
{
    private static readonly Guid Delivery = Guid.Parse("0192f0e2-7c3a-7b1e-9a55-1b2c3d4e5f60");
    private static readonly byte[] Salt = Convert.FromHexString("00112233445566778899aabbccddeeff");

    private static ChainEntry Entry(int seq, string description = "需要部署一套测试环境", string? note = null) => new(
        Delivery,
        seq,
        new DateTimeOffset(2026, 12, 1, 8, 30, 15, TimeSpan.Zero).AddTicks(1234567 + seq),
        "b-1001",
        "张三",
        "buyer",
        seq == 1 ? "start" : "submit_requirement",
        seq == 1 ? null : "requirement_pending",
        "requirement_confirming",
        null,
        new Dictionary<string, string> { ["description"] = description, ["b"] = "2", ["a"] = "1" },
        ChainEntry.HashInternal(Salt, note is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["note"] = note }),
        seq == 2 ? ["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"] : []);

    private static List<(ChainEntry, byte[])> Chain(params ChainEntry[] entries)
    {
        var head = LogChain.Genesis.ToArray();
        var chain = new List<(ChainEntry, byte[])>();
        foreach (var e in entries)
        {
            head = LogChain.Link(head, e);
            chain.Add((e, head));
        }

        return chain;
    }

    [Fact]
    public void The_encoding_is_fixed_byte_for_byte()
    {
        // A known answer: an accidental change of the encoding (field order, time unit, map order) breaks every
        // stored chain, so it must fail here first. The values were computed by an independent implementation of
        // docs/evidence.md (a few lines of Python), not by this code.
        var bytes = Entry(2).CanonicalBytes();
        Convert.ToHexStringLower(bytes.AsSpan(0, 6)).Should().Be("53444c4f4731", "\"SDLOG1\"");
        Convert.ToHexStringLower(SHA256.HashData(bytes)).Should().Be(KnownEntryHash);
        Convert.ToHexStringLower(LogChain.Link(LogChain.Genesis, Entry(1))).Should().Be(KnownFirstLink);
    }

    private const string KnownEntryHash = "a055dd2fda7825ff3f576e4422e52c9c04f1cdfea880d06abcc496c62a10e69e";
    private const string KnownFirstLink = "ea7e45a54fa7a1a902ab012253d1e1e84cf4963344a92381cbdc85f65e32c7c7";

    [Fact]
    public void Map_order_and_microsecond_rounding_do_not_change_the_bytes()
    {
        var entry = Entry(2);
        var reordered = entry with { Data = new Dictionary<string, string> { ["a"] = "1", ["description"] = "需要部署一套测试环境", ["b"] = "2" } };
        reordered.CanonicalBytes().Should().Equal(entry.CanonicalBytes());
        var truncated = entry with { At = new DateTimeOffset(entry.At.UtcTicks - (entry.At.UtcTicks % 10), TimeSpan.Zero) };
        truncated.CanonicalBytes().Should().Equal(entry.CanonicalBytes(), "PostgreSQL keeps microseconds");
    }

    [Fact]
    public void An_untouched_chain_verifies_and_its_head_is_the_last_hash()
    {
        var chain = Chain(Entry(1), Entry(2), Entry(3, note: "内部备注"));
        var check = LogChain.Verify(chain);
        check.Valid.Should().BeTrue();
        check.Head.Should().Equal(chain[^1].Item2);
    }

    [Fact]
    public void An_edited_text_is_named_by_its_entry()
    {
        var chain = Chain(Entry(1), Entry(2), Entry(3));
        chain[1] = (Entry(2, "不需要了"), chain[1].Item2);
        LogChain.Verify(chain).Should().BeEquivalentTo(new { Valid = false, FirstBrokenSeq = 2, Reason = Reasons.EntryChanged });
    }

    [Fact]
    public void Reordered_entries_and_a_deleted_entry_are_named()
    {
        var chain = Chain(Entry(1), Entry(2), Entry(3), Entry(4));
        var swapped = new List<(ChainEntry, byte[])> { chain[0], chain[2], chain[1], chain[3] };
        LogChain.Verify(swapped).Should().BeEquivalentTo(new { Valid = false, FirstBrokenSeq = 2, Reason = Reasons.EntryMissing });

        var renumbered = new List<(ChainEntry, byte[])> { chain[0], (chain[2].Item1 with { Seq = 2 }, chain[2].Item2), (chain[1].Item1 with { Seq = 3 }, chain[1].Item2), chain[3] };
        LogChain.Verify(renumbered).Should().BeEquivalentTo(new { Valid = false, FirstBrokenSeq = 2, Reason = Reasons.EntryChanged });

        chain.RemoveAt(2);
        LogChain.Verify(chain).Should().BeEquivalentTo(new { Valid = false, FirstBrokenSeq = 3, Reason = Reasons.EntryMissing });
    }

    [Fact]
    public void A_redacted_entry_verifies_with_its_internal_hash_and_the_note_cannot_be_swapped()
    {
        var chain = Chain(Entry(1), Entry(2, note: "内部：买家曾投诉"));
        LogChain.Verify(chain).Valid.Should().BeTrue("a party's bundle carries the hash, not the note");
        var other = Entry(2) with { InternalHash = ChainEntry.HashInternal(Salt, new Dictionary<string, string> { ["note"] = "另一条备注" }) };
        LogChain.Verify([chain[0], (other, chain[1].Item2)]).Reason.Should().Be(Reasons.EntryChanged);
        ChainEntry.HashInternal(ChainEntry.NewSalt(), new Dictionary<string, string>())
            .Should().NotEqual(ChainEntry.HashInternal(ChainEntry.NewSalt(), new Dictionary<string, string>()), "salted: a party cannot tell an empty note from a short one");
    }

    [Fact]
    public void An_attachment_swapped_for_other_bytes_breaks_its_entry()
    {
        var chain = Chain(Entry(1), Entry(2));
        var swapped = chain[1].Item1 with { AttachmentSha256 = [Convert.ToHexStringLower(SHA256.HashData("other"u8))] };
        LogChain.Verify([chain[0], (swapped, chain[1].Item2)]).Should().BeEquivalentTo(new { FirstBrokenSeq = 2, Reason = Reasons.EntryChanged });
    }
}
