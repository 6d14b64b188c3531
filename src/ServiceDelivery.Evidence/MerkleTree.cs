using System.Security.Cryptography;

namespace ServiceDelivery.Evidence;

/// <summary>
/// The Merkle tree of Certificate Transparency (RFC 9162, section 2.1): leaf = SHA-256(0x00 ‖ data), node =
/// SHA-256(0x01 ‖ left ‖ right), the left subtree the largest power of two below the size. Any aligned block of a
/// power-of-two size is a node of that tree, so a tree can be built (and its proofs cut) chunk by chunk:
/// <see cref="ChunkSize"/> leaves per stored chunk, then a tree over the chunk roots.
/// </summary>
public static class MerkleTree
{
    /// <summary>Leaves per chunk: a proof reads one chunk, never the whole day.</summary>
    public const int ChunkSize = 1024;

    /// <summary>The root of an empty tree.</summary>
    public static byte[] EmptyRoot() => SHA256.HashData([]);

    public static byte[] LeafHash(ReadOnlySpan<byte> data) => SHA256.HashData([0, .. data]);

    public static byte[] NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right) => SHA256.HashData([1, .. left, .. right]);

    /// <summary>The data of an anchor's leaf: a delivery's head as of the anchored entry (docs/evidence.md, "Anchor leaf").</summary>
    public static byte[] LeafData(Guid deliveryId, int seq, ReadOnlySpan<byte> head) =>
        new CanonicalWriter().Ascii("SDLEAF1").Text(deliveryId.ToString("D")).UInt32(checked((uint)seq)).Raw(head).ToArray();

    /// <summary>The root over <paramref name="nodes"/> (leaf hashes, or the roots of aligned chunks).</summary>
    public static byte[] Root(IReadOnlyList<byte[]> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        return nodes.Count == 0 ? EmptyRoot() : Root(nodes, 0, nodes.Count);
    }

    /// <summary>The audit path of the node at <paramref name="index"/>, bottom up (RFC 9162 2.1.3.1).</summary>
    public static List<byte[]> Path(IReadOnlyList<byte[]> nodes, int index)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, nodes.Count);
        var path = new List<byte[]>();
        Path(nodes, 0, nodes.Count, index, path);
        return path;
    }

    /// <summary>Whether <paramref name="path"/> leads from the leaf at <paramref name="index"/> of a tree of <paramref name="size"/> leaves to <paramref name="root"/> (RFC 9162 2.1.3.2).</summary>
    public static bool Verify(ReadOnlySpan<byte> leafHash, long index, long size, IReadOnlyList<byte[]> path, ReadOnlySpan<byte> root)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (index < 0 || index >= size)
        {
            return false;
        }

        long fn = index, sn = size - 1;
        var r = leafHash.ToArray();
        foreach (var p in path)
        {
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                r = NodeHash(p, r);
                if ((fn & 1) == 0)
                {
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                r = NodeHash(r, p);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && CryptographicOperations.FixedTimeEquals(r, root);
    }

    private static byte[] Root(IReadOnlyList<byte[]> nodes, int start, int count)
    {
        if (count == 1)
        {
            return nodes[start];
        }

        var k = Split(count);
        return NodeHash(Root(nodes, start, k), Root(nodes, start + k, count - k));
    }

    private static void Path(IReadOnlyList<byte[]> nodes, int start, int count, int index, List<byte[]> path)
    {
        if (count == 1)
        {
            return;
        }

        var k = Split(count);
        if (index < k)
        {
            Path(nodes, start, k, index, path);
            path.Add(Root(nodes, start + k, count - k));
        }
        else
        {
            Path(nodes, start + k, count - k, index - k, path);
            path.Add(Root(nodes, start, k));
        }
    }

    /// <summary>The largest power of two smaller than <paramref name="n"/> (n ≥ 2).</summary>
    private static int Split(int n)
    {
        var k = 1;
        while (k << 1 < n)
        {
            k <<= 1;
        }

        return k;
    }
}
