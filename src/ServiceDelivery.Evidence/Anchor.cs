using System.Security.Cryptography;

namespace ServiceDelivery.Evidence;

/// <summary>
/// What a daily anchor states and signs: the n-th anchor covers the log entries written in [From, To), its tree has
/// <see cref="Size"/> leaves (one per delivery changed then) with root <see cref="Root"/>, and it follows the anchor
/// whose root is <see cref="PreviousRoot"/> (zeros for the first): deleting or replacing an anchor breaks the links.
/// </summary>
public sealed record AnchorStatement(long Seq, DateTimeOffset From, DateTimeOffset To, long Size, byte[] Root, byte[] PreviousRoot, string KeyId)
{
    /// <summary>The bytes signed (docs/evidence.md, "Anchor"); <c>openssl dgst -sha256 -verify</c> checks them.</summary>
    public byte[] CanonicalBytes() => new CanonicalWriter()
        .Ascii("SDANCHOR1")
        .Int64(Seq)
        .Time(From)
        .Time(To)
        .Int64(Size)
        .Raw(Root)
        .Raw(PreviousRoot)
        .Text(KeyId)
        .ToArray();
}

/// <summary>ECDSA P-256 with SHA-256, signatures DER-encoded (as openssl writes and checks them).</summary>
public sealed class AnchorKey : IDisposable
{
    private readonly ECDsa _key;

    private AnchorKey(ECDsa key, bool hasPrivate)
    {
        _key = key;
        CanSign = hasPrivate;
        var spki = key.ExportSubjectPublicKeyInfo();
        KeyId = Convert.ToHexStringLower(SHA256.HashData(spki));
        PublicKeyPem = key.ExportSubjectPublicKeyInfoPem();
    }

    /// <summary>SHA-256 of the public key's DER (SubjectPublicKeyInfo), hex: <c>openssl pkey -pubin -outform DER | sha256sum</c>.</summary>
    public string KeyId { get; }

    public string PublicKeyPem { get; }

    public bool CanSign { get; }

    /// <summary>
    /// A private key (PKCS#8 or SEC1 PEM) or a public key (SubjectPublicKeyInfo PEM); a private key may also be its
    /// PKCS#8 DER in base64 on one line (<c>openssl genpkey … -outform DER | base64 -w0</c>), for settings that
    /// cannot carry line breaks.
    /// </summary>
    public static AnchorKey FromPem(string pem)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pem);
        var key = ECDsa.Create();
        try
        {
            if (pem.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                key.ImportFromPem(pem);
            }
            else
            {
                var der = Convert.TryFromBase64String(pem.Trim(), new byte[pem.Length], out var length)
                    ? Convert.FromBase64String(pem.Trim())
                    : throw new ArgumentException("Not a key: neither PEM nor a base64 PKCS#8 DER private key.", nameof(pem));
                key.ImportPkcs8PrivateKey(der, out _);
                return Checked(key, hasPrivate: true);
            }

            return Checked(key, pem.Contains("PRIVATE KEY", StringComparison.Ordinal));
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    private static AnchorKey Checked(ECDsa key, bool hasPrivate) =>
        key.ExportParameters(false).Curve.Oid.Value == ECCurve.NamedCurves.nistP256.Oid.Value
            ? new AnchorKey(key, hasPrivate)
            : throw new ArgumentException("The anchor key must be an ECDSA P-256 key.", nameof(key));

    /// <summary>A new P-256 key as a PKCS#8 PEM (for a deployment's configuration).</summary>
    public static string NewPrivateKeyPem()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return key.ExportPkcs8PrivateKeyPem();
    }

    public byte[] Sign(byte[] data) => _key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    public bool Verify(byte[] data, byte[] signature) =>
        _key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    public void Dispose() => _key.Dispose();
}
