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
}
