using System.Security.Cryptography;
using ServiceDelivery.Evidence;

namespace ServiceDelivery.Evidence.Tests;

public sealed class MerkleTreeTests
{
    [Fact]
    public void Hashes_leaves_and_nodes_as_certificate_transparency_does()
    {
        // RFC 6962's empty-tree root and the hash of an empty leaf, as published with CT's test vectors.
        Convert.ToHexStringLower(MerkleTree.EmptyRoot()).Should().Be("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        Convert.ToHexStringLower(MerkleTree.LeafHash([])).Should().Be("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
        var leaves = Enumerable.Range(0, 3).Select(i => MerkleTree.LeafHash([(byte)i])).ToList();
        MerkleTree.Root(leaves).Should().Equal(MerkleTree.NodeHash(MerkleTree.NodeHash(leaves[0], leaves[1]), leaves[2]), "the left subtree is the largest power of two");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(1024)]
    [InlineData(1025)]
    [InlineData(3000)]
    [InlineData(4096)]
    public void A_tree_built_chunk_by_chunk_has_the_whole_trees_root_and_proofs(int size)
    {
        var leaves = Enumerable.Range(0, size).Select(i => MerkleTree.LeafHash(BitConverter.GetBytes(i))).ToList();
        var chunks = leaves.Chunk(MerkleTree.ChunkSize).Select(c => MerkleTree.Root(c)).ToList();
        var root = MerkleTree.Root(leaves);
        MerkleTree.Root(chunks).Should().Equal(root);

        foreach (var index in new[] { 0, size / 2, size - 1 }.Distinct())
        {
            var whole = MerkleTree.Path(leaves, index);
            var chunk = leaves.Chunk(MerkleTree.ChunkSize).ElementAt(index / MerkleTree.ChunkSize);
            var composed = MerkleTree.Path(chunk, index % MerkleTree.ChunkSize).Concat(MerkleTree.Path(chunks, index / MerkleTree.ChunkSize)).ToList();
            composed.Should().BeEquivalentTo(whole, o => o.WithStrictOrdering());
            MerkleTree.Verify(leaves[index], index, size, composed, root).Should().BeTrue();
        }
    }

    [Fact]
    public void A_proof_fails_for_another_leaf_index_size_or_root()
    {
        var leaves = Enumerable.Range(0, 11).Select(i => MerkleTree.LeafHash([(byte)i])).ToList();
        var root = MerkleTree.Root(leaves);
        var path = MerkleTree.Path(leaves, 5);
        MerkleTree.Verify(leaves[5], 5, 11, path, root).Should().BeTrue();
        MerkleTree.Verify(leaves[4], 5, 11, path, root).Should().BeFalse("another leaf");
        MerkleTree.Verify(leaves[5], 4, 11, path, root).Should().BeFalse("another position");
        MerkleTree.Verify(leaves[5], 5, 6, path, root).Should().BeFalse("a tree of another shape");
        MerkleTree.Verify(leaves[5], 5, 11, path, SHA256.HashData([1])).Should().BeFalse("another root");
        MerkleTree.Verify(leaves[5], 5, 11, path.Take(path.Count - 1).ToList(), root).Should().BeFalse("a shortened path");
    }
}
