using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Outbox;
using ServiceDelivery.Evidence;
using ServiceDelivery.Persistence;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Application.Evidence;

/// <summary>
/// Signs what the process log says: an anchor is a Merkle tree over the chain heads of every delivery whose log was
/// written since the previous anchor, its root signed and sent to the webhook receivers (log.anchored) so a copy
/// lives outside the database. Anchors follow each other without gaps, one host at a time.
/// </summary>
public sealed partial class LogAnchoring(
    IDbContextFactory<ServiceDeliveryDbContext> contexts,
    AnchorKeys keys,
    OutboxWriter outbox,
    Commits commits,
    EvidenceOptions options,
    TimeProvider clock,
    ILogger<LogAnchoring> logger)
{
    // pg_advisory_xact_lock key: "anchor" — two hosts never build the same anchor.
    private const long LockKey = 0x616e63686f72;

    /// <summary>The end of the latest complete day (in <see cref="EvidenceOptions.AnchorTimeZone"/>) before <paramref name="now"/>.</summary>
    public DateTimeOffset LastMidnight(DateTimeOffset now)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(options.AnchorTimeZone);
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var midnight = new DateTimeOffset(local.Date, zone.GetUtcOffset(local.Date));
        return midnight;
    }

    /// <summary>The daily run: anchors up to the last midnight once the commit margin has passed it; nothing when done.</summary>
    public async Task<AnchorView?> AnchorDayAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var midnight = LastMidnight(now - options.CommitMargin);
        return await AnchorAsync(midnight, "system", cancellationToken);
    }

    /// <summary>An anchor now, on a platform operator's demand: up to the commit margin before now.</summary>
    public Task<AnchorView?> AnchorNowAsync(Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return AnchorAsync(clock.GetUtcNow() - options.CommitMargin, caller.Id, cancellationToken);
    }

    /// <summary>Anchors the entries written in [end of the previous anchor, <paramref name="to"/>); null when that is empty time.</summary>
    public async Task<AnchorView?> AnchorAsync(DateTimeOffset to, string createdBy, CancellationToken cancellationToken)
    {
        to = new DateTimeOffset(to.UtcTicks - (to.UtcTicks % 10), TimeSpan.Zero); // what PostgreSQL keeps
        var started = clock.GetTimestamp();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        db.Database.SetCommandTimeout(TimeSpan.FromMinutes(10));
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({LockKey})", cancellationToken);
        var last = await db.LogAnchors.AsNoTracking().OrderByDescending(a => a.Seq)
            .Select(a => new { a.Seq, a.To, a.Root }).FirstOrDefaultAsync(cancellationToken);
        var from = last?.To ?? DateTimeOffset.UnixEpoch;
        if (to <= from)
        {
            return null;
        }

        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var leaves = await LeavesAsync(connection, from, to, cancellationToken);
        var chunkRoots = new byte[(leaves.Count + MerkleTree.ChunkSize - 1) / MerkleTree.ChunkSize * 32];
        var roots = new List<byte[]>(chunkRoots.Length / 32);
        for (var start = 0; start < leaves.Count; start += MerkleTree.ChunkSize)
        {
            var chunk = leaves.GetRange(start, Math.Min(MerkleTree.ChunkSize, leaves.Count - start)).Select(l => l.LeafHash).ToList();
            var root = MerkleTree.Root(chunk);
            root.CopyTo(chunkRoots, roots.Count * 32);
            roots.Add(root);
        }

        var seq = (last?.Seq ?? 0) + 1;
        var statement = new AnchorStatement(seq, from, to, leaves.Count, MerkleTree.Root(roots), last?.Root ?? new byte[32], keys.Signing.KeyId);
        var signature = keys.Signing.Sign(statement.CanonicalBytes());
        var now = clock.GetUtcNow();
        db.LogAnchors.Add(new AnchorRecord
        {
            Seq = seq,
            From = from,
            To = to,
            Size = leaves.Count,
            Root = statement.Root,
            PreviousRoot = statement.PreviousRoot,
            ChunkRoots = chunkRoots,
            KeyId = statement.KeyId,
            Signature = signature,
            CreatedAt = now,
            CreatedBy = createdBy,
        });
        var view = AnchorView.Of(statement, signature, keys.Signing.PublicKeyPem);
        outbox.PublishGlobal(db, EventId(seq), IntegrationEvents.LogAnchored, view.ToEventData(), now);
        await commits.SaveAsync(db);
        await WriteLeavesAsync(connection, seq, leaves, cancellationToken);
        await commits.CommitAsync(transaction, new CommitNotice([], Outbox: true, EarliestTimer: null));
        LogAnchored(logger, seq, leaves.Count, from, to, clock.GetElapsedTime(started).TotalMilliseconds);
        return view;
    }

    /// <summary>Each delivery's last entry written in [from, to), ordered by delivery id (the leaves' order).</summary>
    private static async Task<List<Leaf>> LeavesAsync(NpgsqlConnection connection, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var leaves = new List<Leaf>();
        await using var command = new NpgsqlCommand(
            "SELECT DISTINCT ON (delivery_id) delivery_id, seq, hash FROM process_log WHERE at >= @from AND at < @to AND hash IS NOT NULL ORDER BY delivery_id, seq DESC",
            connection);
        command.Parameters.AddWithValue("from", from);
        command.Parameters.AddWithValue("to", to);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetGuid(0);
            var seq = reader.GetInt32(1);
            var head = (byte[])reader.GetValue(2);
            leaves.Add(new Leaf(id, seq, head, MerkleTree.LeafHash(MerkleTree.LeafData(id, seq, head))));
        }

        return leaves;
    }

    private static async Task WriteLeavesAsync(NpgsqlConnection connection, long anchorSeq, List<Leaf> leaves, CancellationToken cancellationToken)
    {
        await using var import = await connection.BeginBinaryImportAsync(
            "COPY log_anchor_leaves (anchor_seq, leaf_index, delivery_id, seq, head) FROM STDIN (FORMAT BINARY)", cancellationToken);
        for (var i = 0; i < leaves.Count; i++)
        {
            await import.StartRowAsync(cancellationToken);
            await import.WriteAsync(anchorSeq, NpgsqlDbType.Bigint, cancellationToken);
            await import.WriteAsync(i, NpgsqlDbType.Integer, cancellationToken);
            await import.WriteAsync(leaves[i].DeliveryId, NpgsqlDbType.Uuid, cancellationToken);
            await import.WriteAsync(leaves[i].Seq, NpgsqlDbType.Integer, cancellationToken);
            await import.WriteAsync(leaves[i].Head, NpgsqlDbType.Bytea, cancellationToken);
        }

        await import.CompleteAsync(cancellationToken);
    }

    /// <summary>One id per anchor, the same for every endpoint's copy and every retry.</summary>
    private static Guid EventId(long seq) => new(SHA256.HashData(Encoding.UTF8.GetBytes("log.anchored:" + seq)).AsSpan(0, 16));

    private sealed record Leaf(Guid DeliveryId, int Seq, byte[] Head, byte[] LeafHash);

    [LoggerMessage(Level = LogLevel.Information, Message = "Log anchor {Seq} signed: {Leaves} deliveries written in [{From}, {To}), {Milliseconds} ms")]
    private static partial void LogAnchored(ILogger logger, long seq, int leaves, DateTimeOffset from, DateTimeOffset to, double milliseconds);
}

/// <summary>An anchor as the API, the webhook and a bundle show it.</summary>
public sealed record AnchorView(long Seq, DateTimeOffset From, DateTimeOffset To, long Size, string Root, string PreviousRoot, string KeyId, string Signature, string PublicKey)
{
    public static AnchorView Of(AnchorStatement statement, byte[] signature, string publicKeyPem)
    {
        ArgumentNullException.ThrowIfNull(statement);
        return new(statement.Seq, statement.From, statement.To, statement.Size, Convert.ToHexStringLower(statement.Root),
            Convert.ToHexStringLower(statement.PreviousRoot), statement.KeyId, Convert.ToBase64String(signature), publicKeyPem);
    }

    public IReadOnlyDictionary<string, object?> ToEventData() => new Dictionary<string, object?>
    {
        ["seq"] = Seq,
        ["from"] = From,
        ["to"] = To,
        ["size"] = Size,
        ["root"] = Root,
        ["previousRoot"] = PreviousRoot,
        ["keyId"] = KeyId,
        ["signature"] = Signature,
        ["publicKey"] = PublicKey,
    };
}
