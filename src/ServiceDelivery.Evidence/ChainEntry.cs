using System.Security.Cryptography;

namespace ServiceDelivery.Evidence;

/// <summary>
/// One process-log entry as it enters the hash chain. The internal note enters only as a salted hash
/// (<see cref="InternalHash"/>): a party's bundle leaves the note out, keeps the hash, and still verifies — and the
/// salt keeps a short note from being guessed from its hash.
/// </summary>
public sealed record ChainEntry(
    Guid DeliveryId,
    int Seq,
    DateTimeOffset At,
    string ActorId,
    string ActorName,
    string ActorRole,
    string Action,
    string? FromStage,
    string ToStage,
    string? Timer,
    IReadOnlyDictionary<string, string> Data,
    byte[] InternalHash,
    IReadOnlyList<string> AttachmentSha256)
{
    /// <summary>The bytes the entry's link in the chain hashes (docs/evidence.md, "Log entry").</summary>
    public byte[] CanonicalBytes()
    {
        if (InternalHash.Length != 32)
        {
            throw new ArgumentException("The internal hash is 32 bytes.", nameof(InternalHash));
        }

        var writer = new CanonicalWriter()
            .Ascii("SDLOG1")
            .Text(DeliveryId.ToString("D"))
            .UInt32(checked((uint)Seq))
            .Time(At)
            .Text(ActorId)
            .Text(ActorName)
            .Text(ActorRole)
            .Text(Action)
            .OptionalText(FromStage)
            .Text(ToStage)
            .OptionalText(Timer)
            .Map(Data)
            .Raw(InternalHash)
            .UInt32((uint)AttachmentSha256.Count);
        foreach (var sha in AttachmentSha256)
        {
            var bytes = Convert.FromHexString(sha);
            if (bytes.Length != 32)
            {
                throw new ArgumentException($"Not a SHA-256: {sha}", nameof(AttachmentSha256));
            }

            writer.Raw(bytes);
        }

        return writer.ToArray();
    }

    /// <summary>SHA-256(salt ‖ the internal texts as a canonical map).</summary>
    public static byte[] HashInternal(ReadOnlySpan<byte> salt, IReadOnlyDictionary<string, string> internalData) =>
        SHA256.HashData([.. salt, .. new CanonicalWriter().Map(internalData).ToArray()]);

    /// <summary>A new random salt for an entry's internal texts.</summary>
    public static byte[] NewSalt() => RandomNumberGenerator.GetBytes(16);
}
