using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ServiceDelivery.Evidence;

/// <summary>
/// The files of an evidence bundle (a zip, docs/evidence.md "Bundle"): what the server writes and
/// <see cref="BundleVerifier"/> reads.
/// </summary>
public static class EvidenceBundle
{
    /// <summary>The value of <c>manifest.json</c>'s <c>format</c>.</summary>
    public const string Format = "sd-evidence-1";

    public const string ManifestFile = "manifest.json";
    public const string LogFile = "log.json";
    public const string AnchorsFile = "anchors.json";
    public const string ProofsFile = "proofs.json";
    public const string PublicKeyFile = "public-key.pem";
    public const string SummaryFile = "summary.html";

    /// <summary><c>attachments/&lt;sha256 hex&gt;</c>: an attachment's bytes.</summary>
    public static string AttachmentFile(string sha256) => "attachments/" + sha256.ToLowerInvariant();

    /// <summary><c>anchors/&lt;seq&gt;.bin</c>: the exact bytes an anchor's signature covers.</summary>
    public static string StatementFile(long anchorSeq) => $"anchors/{anchorSeq.ToString(CultureInfo.InvariantCulture)}.bin";

    /// <summary><c>anchors/&lt;seq&gt;.sig</c>: the anchor's signature, DER (as <c>openssl dgst -verify</c> reads it).</summary>
    public static string SignatureFile(long anchorSeq) => $"anchors/{anchorSeq.ToString(CultureInfo.InvariantCulture)}.sig";

    /// <summary>
    /// camelCase, indented, Chinese written as itself (not \u escapes). A repeated property is refused: otherwise a
    /// reader showing the first of two <c>"comment"</c>s and a verifier hashing the last would see different logs.
    /// </summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        AllowDuplicateProperties = false,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

/// <summary>
/// Times in a bundle: ISO 8601 UTC with exactly six fractional digits (<c>2026-12-01T08:30:15.123456Z</c>), the
/// microseconds the encoding hashes — no more, no less.
/// </summary>
public static class EvidenceTime
{
    public const string Pattern = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    public static string Format(DateTimeOffset at) => at.UtcDateTime.ToString(Pattern, CultureInfo.InvariantCulture);

    public static bool TryParse(string? text, out DateTimeOffset at)
    {
        if (text is not null && DateTime.TryParseExact(text, Pattern, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var utc))
        {
            at = new DateTimeOffset(utc, TimeSpan.Zero);
            return true;
        }

        at = default;
        return false;
    }
}

/// <summary><c>manifest.json</c>.</summary>
public sealed record BundleManifest
{
    public string Format { get; init; } = EvidenceBundle.Format;

    public Guid DeliveryId { get; init; }

    public string OrderId { get; init; } = "";

    public string GeneratedAt { get; init; } = "";

    /// <summary><c>platform</c> (internal notes included) or <c>party</c> (left out; only their hashes).</summary>
    public string Audience { get; init; } = "platform";

    public string KeyId { get; init; } = "";
}

/// <summary>One element of <c>log.json</c> (oldest first).</summary>
public sealed record BundleLogEntry
{
    public int Seq { get; init; }

    public string At { get; init; } = "";

    public BundleActor Actor { get; init; } = new();

    public string Action { get; init; } = "";

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? FromStage { get; init; }

    public string ToStage { get; init; } = "";

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Timer { get; init; }

    public Dictionary<string, string> Data { get; init; } = [];

    /// <summary>The internal note; absent from a party's bundle.</summary>
    public Dictionary<string, string>? InternalData { get; init; }

    /// <summary>Hex; absent from a party's bundle.</summary>
    public string? InternalSalt { get; init; }

    /// <summary>Hex SHA-256(salt ‖ canonical map of <see cref="InternalData"/>); always present.</summary>
    public string InternalHash { get; init; } = "";

    public List<BundleAttachment> Attachments { get; init; } = [];

    /// <summary>Hex: the entry's link in the chain.</summary>
    public string Hash { get; init; } = "";
}

public sealed record BundleActor
{
    public string Id { get; init; } = "";

    public string Name { get; init; } = "";

    public string Role { get; init; } = "";
}

public sealed record BundleAttachment
{
    public string Id { get; init; } = "";

    /// <summary>Hex; the bytes are in <c>attachments/&lt;sha256&gt;</c>. Only this enters the entry's hash.</summary>
    public string Sha256 { get; init; } = "";

    public string FileName { get; init; } = "";

    public string ContentType { get; init; } = "";

    public long Size { get; init; }
}

/// <summary>One element of <c>anchors.json</c>: every anchor from seq 1 to the newest.</summary>
public sealed record BundleAnchor
{
    public long Seq { get; init; }

    public string From { get; init; } = "";

    public string To { get; init; } = "";

    public long Size { get; init; }

    public string Root { get; init; } = "";

    public string PreviousRoot { get; init; } = "";

    public string KeyId { get; init; } = "";

    /// <summary>Base64 of the DER ECDSA signature over <see cref="AnchorStatement.CanonicalBytes"/>.</summary>
    public string Signature { get; init; } = "";

    /// <summary>The statement these fields describe (throws <see cref="FormatException"/> on a malformed field).</summary>
    public AnchorStatement ToStatement()
    {
        if (!EvidenceTime.TryParse(From, out var from) || !EvidenceTime.TryParse(To, out var to))
        {
            throw new FormatException($"anchor {Seq}: from/to are not times like 2026-12-01T08:30:15.123456Z");
        }

        return new AnchorStatement(Seq, from, to, Size, Hex.Bytes(Root, 32, $"anchor {Seq} root"), Hex.Bytes(PreviousRoot, 32, $"anchor {Seq} previousRoot"), KeyId);
    }

    public static BundleAnchor Of(AnchorStatement statement, byte[] signature)
    {
        ArgumentNullException.ThrowIfNull(statement);
        return new BundleAnchor
        {
            Seq = statement.Seq,
            From = EvidenceTime.Format(statement.From),
            To = EvidenceTime.Format(statement.To),
            Size = statement.Size,
            Root = Convert.ToHexStringLower(statement.Root),
            PreviousRoot = Convert.ToHexStringLower(statement.PreviousRoot),
            KeyId = statement.KeyId,
            Signature = Convert.ToBase64String(signature),
        };
    }
}

/// <summary>One element of <c>proofs.json</c>: the delivery's head as of <see cref="Seq"/> is leaf <see cref="LeafIndex"/> of anchor <see cref="AnchorSeq"/>.</summary>
public sealed record BundleProof
{
    public long AnchorSeq { get; init; }

    public long LeafIndex { get; init; }

    public int Seq { get; init; }

    public string Head { get; init; } = "";

    /// <summary>The audit path, bottom up (RFC 9162 2.1.3), hex.</summary>
    public List<string> Path { get; init; } = [];
}

internal static class Hex
{
    public static byte[] Bytes(string? hex, int length, string what)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromHexString(hex ?? "");
        }
        catch (FormatException)
        {
            throw new FormatException($"{what} is not hex");
        }

        return bytes.Length == length ? bytes : throw new FormatException($"{what} is not {length} bytes");
    }
}
