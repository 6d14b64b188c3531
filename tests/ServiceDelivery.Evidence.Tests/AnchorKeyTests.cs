using System.Security.Cryptography;
using ServiceDelivery.Evidence;

namespace ServiceDelivery.Evidence.Tests;

public sealed class AnchorKeyTests
{
    [Fact]
    public void A_statement_signed_with_the_key_verifies_and_fails_with_another_key_or_another_root()
    {
        using var key = AnchorKey.FromPem(AnchorKey.NewPrivateKeyPem());
        using var other = AnchorKey.FromPem(AnchorKey.NewPrivateKeyPem());
        using var published = AnchorKey.FromPem(key.PublicKeyPem);
        var statement = new AnchorStatement(3, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(1), 2, SHA256.HashData([1]), new byte[32], key.KeyId);
        var signature = key.Sign(statement.CanonicalBytes());

        published.CanSign.Should().BeFalse();
        published.Verify(statement.CanonicalBytes(), signature).Should().BeTrue();
        published.Verify((statement with { Root = SHA256.HashData([2]) }).CanonicalBytes(), signature).Should().BeFalse();
        published.Verify(statement.CanonicalBytes(), other.Sign(statement.CanonicalBytes())).Should().BeFalse("re-signed with another key");
        key.KeyId.Should().Be(published.KeyId).And.NotBe(other.KeyId).And.HaveLength(64);
    }

    [Fact]
    public void Only_p256_keys_are_taken()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var load = () => AnchorKey.FromPem(p384.ExportPkcs8PrivateKeyPem());
        load.Should().Throw<ArgumentException>().WithMessage("*P-256*");
    }

    [Fact]
    public void A_private_key_also_reads_as_one_line_of_base64_der_for_settings_without_line_breaks()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var fromPem = AnchorKey.FromPem(ec.ExportPkcs8PrivateKeyPem());
        using var fromBase64 = AnchorKey.FromPem(Convert.ToBase64String(ec.ExportPkcs8PrivateKey()));

        fromBase64.CanSign.Should().BeTrue();
        fromBase64.KeyId.Should().Be(fromPem.KeyId);
        var refuse = () => AnchorKey.FromPem("not a key");
        refuse.Should().Throw<ArgumentException>();
    }
}
