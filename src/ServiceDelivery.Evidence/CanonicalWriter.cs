using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace ServiceDelivery.Evidence;

/// <summary>
/// The fixed byte encoding everything hashed or signed is written in (docs/evidence.md): integers big-endian,
/// texts as a 4-byte length and their UTF-8 bytes, optional texts behind a 0/1 byte, maps as a count and their
/// pairs in ordinal order of the keys' UTF-8 bytes. Independent of any serializer, so a hash stays reproducible
/// by anyone, in any language, for as long as the entry exists.
/// </summary>
internal sealed class CanonicalWriter
{
    private readonly ArrayBufferWriter<byte> _bytes = new(256);

    public CanonicalWriter Ascii(string magic)
    {
        _bytes.Write(Encoding.ASCII.GetBytes(magic));
        return this;
    }

    public CanonicalWriter UInt32(uint value)
    {
        Span<byte> buffer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(buffer, value);
        _bytes.Write(buffer);
        return this;
    }

    public CanonicalWriter Int64(long value)
    {
        Span<byte> buffer = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(buffer, value);
        _bytes.Write(buffer);
        return this;
    }

    public CanonicalWriter Text(string value)
    {
        var utf8 = Encoding.UTF8.GetBytes(value);
        UInt32((uint)utf8.Length);
        _bytes.Write(utf8);
        return this;
    }

    public CanonicalWriter OptionalText(string? value)
    {
        if (value is null)
        {
            _bytes.Write([(byte)0]);
            return this;
        }

        _bytes.Write([(byte)1]);
        return Text(value);
    }

    public CanonicalWriter Map(IReadOnlyDictionary<string, string> map)
    {
        UInt32((uint)map.Count);
        foreach (var (key, value) in map.OrderBy(p => p.Key, Utf8Order.Instance))
        {
            Text(key).Text(value);
        }

        return this;
    }

    public CanonicalWriter Raw(ReadOnlySpan<byte> bytes)
    {
        _bytes.Write(bytes);
        return this;
    }

    /// <summary>A time as whole microseconds since 1970-01-01 UTC (what PostgreSQL keeps of it).</summary>
    public CanonicalWriter Time(DateTimeOffset at) => Int64(Microseconds(at));

    public static long Microseconds(DateTimeOffset at) => (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    public byte[] ToArray() => _bytes.WrittenSpan.ToArray();

    /// <summary>Ordinal order of UTF-8 bytes (UTF-16 ordinal order differs for characters beyond the BMP).</summary>
    private sealed class Utf8Order : IComparer<string>
    {
        public static readonly Utf8Order Instance = new();

        public int Compare(string? x, string? y) =>
            Encoding.UTF8.GetBytes(x ?? string.Empty).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y ?? string.Empty));
    }
}
