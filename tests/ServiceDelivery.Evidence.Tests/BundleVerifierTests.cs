using System.Security.Cryptography;
using System.Text;
using ServiceDelivery.Evidence;

namespace ServiceDelivery.Evidence.Tests;

public sealed class BundleVerifierTests : IDisposable
{
    private readonly AnchorKey _key = AnchorKey.FromPem(AnchorKey.NewPrivateKeyPem());
    private readonly AnchorKey _other = AnchorKey.FromPem(AnchorKey.NewPrivateKeyPem());

    public void Dispose()
    {
        _key.Dispose();
        _other.Dispose();
    }

    private AnchorKey Trusted() => AnchorKey.FromPem(_key.PublicKeyPem);

    [Fact]
    public void An_untouched_bundle_verifies_and_is_anchored_through_its_last_anchored_entry()
    {
        var bundle = TestBundle.Create(_key);
        using var trusted = Trusted();
        var report = bundle.Verify(trusted);
        report.Problems.Should().BeEmpty();
        report.Should().BeEquivalentTo(new
        {
            Valid = true,
            Entries = 6,
            Head = bundle.Log[^1].Hash,
            AnchoredThrough = 5,
            FirstBrokenSeq = (int?)null,
            Reason = (string?)null,
            _key.KeyId,
            KeyPinned = true,
            Anchors = 3,
        });
        bundle.Verify().KeyPinned.Should().BeFalse("no key was given to pin");
    }

    [Fact]
    public void A_partys_bundle_without_internal_notes_verifies()
    {
        var bundle = TestBundle.Create(_key, party: true);
        bundle.Log.Should().OnlyContain(e => e.InternalData == null && e.InternalSalt == null);
        using (var zip = new System.IO.Compression.ZipArchive(new MemoryStream(bundle.ToZip())))
        using (var log = new StreamReader(zip.GetEntry(EvidenceBundle.LogFile)!.Open()))
        {
            var json = log.ReadToEnd();
            json.Should().NotContain("内部").And.NotContain("internalData").And.NotContain("internalSalt").And.Contain("internalHash");
        }

        var report = bundle.Verify();
        report.Problems.Should().BeEmpty();
        report.Should().BeEquivalentTo(new { Valid = true, Entries = 6, AnchoredThrough = 5 });
        report.Head.Should().Be(TestBundle.Create(_key).Log[^1].Hash, "the platform's and a party's bundle prove the same chain");
    }

    [Fact]
    public void An_edited_log_text_is_named()
    {
        var bundle = TestBundle.Create(_key);
        bundle.Log[2] = bundle.Log[2] with { Data = new() { ["comment"] = "拒绝" } };
        bundle.Verify().Should().BeEquivalentTo(new { Valid = false, FirstBrokenSeq = 3, Reason = Reasons.EntryChanged });
    }

    [Fact]
    public void An_edited_text_whose_hashes_were_recomputed_is_caught_by_the_anchors()
    {
        var bundle = TestBundle.Create(_key);
        bundle.Log[2] = bundle.Log[2] with { Data = new() { ["comment"] = "拒绝" } };
        bundle.Rehash();
        var report = bundle.Verify();
        report.Should().BeEquivalentTo(new { Valid = false, FirstBrokenSeq = 3, Reason = Reasons.AnchorMismatch, AnchoredThrough = 2 },
            "anchor 1 still pins entry 2; entry 3 on can no longer be pinned");
        report.Problems.Should().HaveCount(2).And.OnlyContain(p => p.Contains("rewritten"));
    }

    [Fact]
    public void An_edited_internal_note_is_named()
    {
        var bundle = TestBundle.Create(_key);
        bundle.Log[2] = bundle.Log[2] with { InternalData = new() { ["note"] = "内部：无投诉" } };
        bundle.Verify().Should().BeEquivalentTo(new { Valid = false, FirstBrokenSeq = 3, Reason = Reasons.EntryChanged });
    }

    [Fact]
    public void Reordered_entries_are_named()
    {
        var bundle = TestBundle.Create(_key);
        (bundle.Log[2], bundle.Log[3]) = (bundle.Log[3], bundle.Log[2]);
        bundle.Verify().Should().BeEquivalentTo(new { Valid = false, FirstBrokenSeq = 3, Reason = Reasons.EntryMissing });
    }

    [Fact]
    public void A_deleted_entry_is_named()
    {
        var bundle = TestBundle.Create(_key);
        bundle.Log.RemoveAt(3);
        bundle.Verify().Should().BeEquivalentTo(new { Valid = false, FirstBrokenSeq = 4, Reason = Reasons.EntryMissing });
    }

    [Fact]
    public void Entries_cut_off_the_end_are_caught_by_a_proof()
    {
        var bundle = TestBundle.Create(_key);
        bundle.Log.RemoveRange(4, 2);
        bundle.Verify().Should().BeEquivalentTo(new { Valid = false, FirstBrokenSeq = 5, Reason = Reasons.EntryMissing, AnchoredThrough = 4 });
    }

    [Fact]
    public void Replaced_or_missing_attachment_bytes_are_named()
    {
        var bundle = TestBundle.Create(_key);
        var sha = bundle.Attachments.Keys.Single();
        bundle.Attachments[sha] = Encoding.UTF8.GetBytes("%PDF-1.4\n需求说明：1 台 2 核 4G\n");
        var report = bundle.Verify();
        report.Should().BeEquivalentTo(new { Valid = false, FirstBrokenSeq = 2, Reason = Reasons.AttachmentChanged, AnchoredThrough = 5 });
        report.Problems.Should().ContainSingle().Which.Should().Contain("需求说明.pdf");

        bundle.Attachments.Clear();
        bundle.Verify().Should().BeEquivalentTo(new { Valid = false, FirstBrokenSeq = 2, Reason = Reasons.AttachmentChanged });
    }

    [Fact]
    public void An_anchor_re_signed_with_another_key_is_named_by_the_first_entry_it_pins()
    {
        var bundle = TestBundle.Create(_key);
        bundle.Resign(2, _other);
        var report = bundle.Verify();
        report.Should().BeEquivalentTo(new { Valid = false, FirstBrokenSeq = 3, Reason = Reasons.SignatureInvalid, AnchoredThrough = 5 });
        report.Problems.Should().ContainSingle().Which.Should().Contain("anchor 2");

        // The same with public-key.pem swapped for the other key: now the untouched anchors fail.
        bundle.PublicKeyPem = _other.PublicKeyPem;
        bundle.Verify().Should().BeEquivalentTo(new { Valid = false, FirstBrokenSeq = 1, Reason = Reasons.SignatureInvalid, KeyPinned = false });
    }

    [Fact]
    public void A_history_rewritten_and_re_anchored_with_another_key_is_caught_when_the_key_is_pinned()
    {
        var bundle = TestBundle.Create(_key);
        bundle.Log[2] = bundle.Log[2] with { Data = new() { ["comment"] = "拒绝" } };
        bundle.Rehash();
        bundle.Anchor(_other, anchors: 3);

        var unpinned = bundle.Verify();
        unpinned.Should().BeEquivalentTo(new { Valid = true, KeyPinned = false, KeyId = _other.KeyId },
            "a bundle consistent in itself proves nothing about who signed it: that is what pinning the key is for");

        using var trusted = Trusted();
        var pinned = bundle.Verify(trusted);
        pinned.Should().BeEquivalentTo(new { Valid = false, FirstBrokenSeq = 1, Reason = Reasons.SignatureInvalid, KeyPinned = false, AnchoredThrough = (int?)null });
        pinned.Problems[0].Should().Be($"the bundle is signed with another key than the one you trust (bundle key {_other.KeyId}, trusted key {_key.KeyId})");
    }

    [Fact]
    public void A_dropped_middle_anchor_is_named_by_the_first_entry_written_in_its_day()
    {
        var bundle = TestBundle.Create(_key);
        bundle.Anchors.RemoveAt(1);
        var report = bundle.Verify();
        report.Should().BeEquivalentTo(new { Valid = false, FirstBrokenSeq = 3, Reason = Reasons.AnchorMissing });
        report.Problems.Should().Contain(p => p.Contains("anchor 2 missing"));

        bundle.Proofs.RemoveAll(p => p.AnchorSeq == 2);
        bundle.Verify().Should().BeEquivalentTo(new { Valid = false, FirstBrokenSeq = 3, Reason = Reasons.AnchorMissing, AnchoredThrough = 5 });
    }

    [Fact]
    public void A_changed_anchor_or_a_forged_proof_is_caught()
    {
        var bundle = TestBundle.Create(_key);
        bundle.Anchors[0] = bundle.Anchors[0] with { Size = 4 };
        bundle.Verify().Should().BeEquivalentTo(new { Valid = false, FirstBrokenSeq = 1, Reason = Reasons.SignatureInvalid },
            "(leaf 1's path in a tree of 3 also leads to the root in a tree of 4: the signature covers the size)");

        bundle = TestBundle.Create(_key);
        bundle.Proofs[1] = bundle.Proofs[1] with { Path = [.. bundle.Proofs[1].Path.Select(_ => Convert.ToHexStringLower(SHA256.HashData([7])))] };
        bundle.Verify().Should().BeEquivalentTo(new { Valid = false, FirstBrokenSeq = 3, Reason = Reasons.ProofInvalid, AnchoredThrough = 5 });
    }

    [Fact]
    public void Statement_and_signature_files_must_be_what_anchors_json_says()
    {
        var bundle = TestBundle.Create(_key);
        bundle.Overrides[EvidenceBundle.StatementFile(3)] = [.. bundle.Anchors[2].ToStatement().CanonicalBytes(), 0];
        bundle.Overrides[EvidenceBundle.SignatureFile(3)] = null;
        var report = bundle.Verify();
        report.Should().BeEquivalentTo(new { Valid = false, FirstBrokenSeq = 5, Reason = Reasons.SignatureInvalid });
        report.Problems.Should().BeEquivalentTo("anchors/3.bin is not the statement anchors.json describes for anchor 3", "anchors/3.sig is missing");
    }

    [Fact]
    public void What_is_not_a_bundle_is_refused_as_unreadable()
    {
        var notZip = () => BundleVerifier.Verify(new MemoryStream(Encoding.UTF8.GetBytes("hello")), null);
        notZip.Should().Throw<EvidenceBundleException>().WithMessage("not a zip*");

        var bundle = TestBundle.Create(_key);
        bundle.Log[0] = bundle.Log[0] with { At = "2026-12-01T08:30:15.123Z" };
        var badTime = () => bundle.Verify();
        badTime.Should().Throw<EvidenceBundleException>().WithMessage("entry 1: at*");

        bundle = TestBundle.Create(_key);
        var log = Encoding.UTF8.GetString(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(bundle.Log, EvidenceBundle.JsonOptions));
        bundle.Overrides[EvidenceBundle.LogFile] = Encoding.UTF8.GetBytes(log.Replace("\"comment\": \"确认", "\"comment\": \"拒绝\", \"comment\": \"确认", StringComparison.Ordinal));
        var twice = () => bundle.Verify();
        twice.Should().Throw<EvidenceBundleException>("a viewer might show the first value, the hash covers the last").WithMessage("log.json*");
    }
}
