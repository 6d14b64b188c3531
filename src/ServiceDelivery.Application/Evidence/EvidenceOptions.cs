using System.Security.Cryptography;
using ServiceDelivery.Evidence;

namespace ServiceDelivery.Application.Evidence;

/// <summary>The provable history (section <c>Evidence</c>; docs/evidence.md).</summary>
public sealed class EvidenceOptions
{
    public const string SectionName = "Evidence";

    /// <summary>
    /// The anchors' signing key: an ECDSA P-256 private key, PEM (PKCS#8 or SEC1) or its PKCS#8 DER in base64 on one
    /// line. Required outside Development (<c>Evidence__SigningKey</c>); make one with
    /// <c>openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -outform DER | base64 -w0</c>.
    /// </summary>
    public string SigningKey { get; set; } = string.Empty;

    /// <summary>Public keys (PEM) of earlier signing keys, so anchors signed before a key rotation still verify.</summary>
    public List<string> PreviousPublicKeys { get; } = [];

    /// <summary>The time zone whose midnight closes a day's anchor.</summary>
    public string AnchorTimeZone { get; set; } = "Asia/Shanghai";

    /// <summary>
    /// How long after its time an entry may still be committing: an anchor never covers the last stretch, so no
    /// entry is committed into a period already anchored.
    /// </summary>
    public TimeSpan CommitMargin { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Deliveries the integrity sweep verifies per batch.</summary>
    public int SweepBatch { get; set; } = 500;

    /// <summary>
    /// The most deliveries one sweep run chains or verifies; the rest wait for the next run (every ten minutes), so a
    /// first run on a big database does not hold the sweep for hours.
    /// </summary>
    public int SweepMaxDeliveries { get; set; } = 20_000;
}

/// <summary>The key anchors are signed with, and every key they may have been signed with.</summary>
public sealed class AnchorKeys : IDisposable
{
    private readonly Dictionary<string, AnchorKey> _byId;

    public AnchorKeys(EvidenceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.SigningKey))
        {
            throw new InvalidOperationException(
                "Evidence:SigningKey must be set to an ECDSA P-256 private key (PEM, or its DER in base64) that signs the process log's daily anchors; in production pass it as the environment variable Evidence__SigningKey (make one with: openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -outform DER | base64 -w0).");
        }

        try
        {
            Signing = AnchorKey.FromPem(options.SigningKey);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException or FormatException)
        {
            throw new InvalidOperationException("Evidence:SigningKey is not an ECDSA P-256 private key (PEM, or PKCS#8 DER in base64): " + ex.Message, ex);
        }

        if (!Signing.CanSign)
        {
            throw new ArgumentException("Evidence:SigningKey must be a private key.", nameof(options));
        }

        _byId = new Dictionary<string, AnchorKey>(StringComparer.Ordinal) { [Signing.KeyId] = Signing };
        foreach (var pem in options.PreviousPublicKeys)
        {
            var key = AnchorKey.FromPem(pem);
            _byId.TryAdd(key.KeyId, key);
        }
    }

    public AnchorKey Signing { get; }

    /// <summary>The key with that id, if it is one of ours.</summary>
    public AnchorKey? Find(string keyId) => _byId.GetValueOrDefault(keyId);

    public void Dispose()
    {
        foreach (var key in _byId.Values)
        {
            key.Dispose();
        }
    }
}
