using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using ServiceDelivery.Application.Attachments;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Application.Definitions;
using ServiceDelivery.Application.Deliveries;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Evidence;
using ServiceDelivery.Persistence;
using ServiceDelivery.Persistence.Entities;

namespace ServiceDelivery.Application.Evidence;

/// <summary>
/// The evidence bundle of one delivery (docs/evidence.md): its log, attachments, chain, Merkle proofs, the signed
/// anchors with the public key, and a printable summary — everything `ServiceDelivery.Verify` needs, offline. A
/// party's bundle leaves the internal notes out; their salted hashes keep the chain whole.
/// </summary>
public sealed class EvidenceBundles(
    IDbContextFactory<ServiceDeliveryDbContext> contexts,
    DefinitionCatalog catalog,
    AnchorKeys keys,
    LogVerifier verifier,
    TimeProvider clock,
    IAttachmentStorage? storage = null)
{
    /// <summary>Writes the bundle to a temporary file (attachments can be large) and answers it, positioned at 0, with its name.</summary>
    public async Task<Result<(Stream Zip, string FileName)>> CreateAsync(Caller caller, Guid deliveryId, string culture, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var evidence = await StoredEvidence.LoadAsync(db, deliveryId, cancellationToken);
        if (evidence is null || !DeliveryAccess.CanSee(caller, evidence.Delivery))
        {
            return Failure.NotFound;
        }

        var platform = caller.Is(Caller.Platform);
        var verification = await verifier.VerifyAsync(db, evidence, cancellationToken);
        var definition = await catalog.GetAsync(db, evidence.Delivery.DefinitionKey, evidence.Delivery.DefinitionVersion, cancellationToken);
        var file = new FileStream(Path.GetTempFileName(), FileMode.Open, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            using (var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true))
            {
                await WriteAsync(db, zip, evidence, platform, verification, definition, culture, cancellationToken);
            }

            file.Position = 0;
            return (file, $"evidence-{evidence.Delivery.OrderId}.zip");
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    private async Task WriteAsync(
        ServiceDeliveryDbContext db, ZipArchive zip, StoredEvidence evidence, bool platform, LogVerification verification, ProcessDefinition? definition, string culture, CancellationToken cancellationToken)
    {
        var delivery = evidence.Delivery;
        Json(zip, EvidenceBundle.ManifestFile, new BundleManifest
        {
            DeliveryId = delivery.Id,
            OrderId = delivery.OrderId,
            GeneratedAt = EvidenceTime.Format(clock.GetUtcNow()),
            Audience = platform ? "platform" : "party",
            KeyId = keys.Signing.KeyId,
        });

        var entries = evidence.Entries.Select(e => new BundleLogEntry
        {
            Seq = e.Seq,
            At = EvidenceTime.Format(e.At),
            Actor = new BundleActor { Id = e.ActorId, Name = e.ActorName, Role = e.ActorRole },
            Action = e.Action,
            FromStage = e.FromStage,
            ToStage = e.ToStage,
            Timer = e.Timer,
            Data = new Dictionary<string, string>(e.Data),
            InternalData = platform ? new Dictionary<string, string>(e.InternalData) : null,
            InternalSalt = platform && e.InternalSalt is { } salt ? Convert.ToHexStringLower(salt) : null,
            InternalHash = e.InternalSalt is { } s ? Convert.ToHexStringLower(ChainEntry.HashInternal(s, e.InternalData)) : new string('0', 64),
            Attachments = [.. e.AttachmentIds.Select(id => evidence.Attachments.TryGetValue(id, out var a)
                ? new BundleAttachment { Id = id.ToString(), Sha256 = a.Sha256, FileName = a.FileName, ContentType = a.ContentType, Size = a.Size }
                : new BundleAttachment { Id = id.ToString(), Sha256 = LogChaining.MissingAttachment })],
            Hash = Convert.ToHexStringLower(e.Hash ?? []),
        }).ToList();
        Json(zip, EvidenceBundle.LogFile, entries);

        if (storage is not null)
        {
            foreach (var attachment in evidence.Attachments.Values.DistinctBy(a => a.Sha256))
            {
                try
                {
                    await using var bytes = storage.OpenRead(attachment.Sha256);
                    await using var target = await zip.CreateEntry(EvidenceBundle.AttachmentFile(attachment.Sha256), CompressionLevel.Fastest).OpenAsync(cancellationToken);
                    await bytes.CopyToAsync(target, cancellationToken);
                }
                catch (IOException)
                {
                    // A file that is gone is left out; the verifier names the entry that lost it.
                }
            }
        }

        // Every anchor (the sequence is what proves none was removed), each with the exact signed bytes for openssl.
        var anchors = evidence.Anchors.Select(a => (Statement: new AnchorStatement(a.Seq, a.From, a.To, a.Size, a.Root, a.PreviousRoot, a.KeyId), a.Signature)).ToList();
        Json(zip, EvidenceBundle.AnchorsFile, anchors.Select(a => BundleAnchor.Of(a.Statement, a.Signature)).ToList());
        foreach (var (statement, signature) in anchors)
        {
            Bytes(zip, EvidenceBundle.StatementFile(statement.Seq), statement.CanonicalBytes());
            Bytes(zip, EvidenceBundle.SignatureFile(statement.Seq), signature);
        }

        var proofs = new List<BundleProof>();
        foreach (var leaf in evidence.Leaves)
        {
            if (await AnchorProofs.PathAsync(db, leaf.AnchorSeq, leaf.LeafIndex, cancellationToken) is { } path)
            {
                proofs.Add(new BundleProof { AnchorSeq = leaf.AnchorSeq, LeafIndex = leaf.LeafIndex, Seq = leaf.Seq, Head = Convert.ToHexStringLower(leaf.Head), Path = [.. path.Select(Convert.ToHexStringLower)] });
            }
        }

        Json(zip, EvidenceBundle.ProofsFile, proofs);
        var signingKeys = evidence.Anchors.Select(a => a.KeyId).Distinct().Select(keys.Find).OfType<AnchorKey>().ToList();
        Text(zip, EvidenceBundle.PublicKeyFile, (signingKeys.Count == 1 ? signingKeys[0] : keys.Signing).PublicKeyPem);
        Text(zip, EvidenceBundle.SummaryFile, EvidenceSummary.Html(delivery, evidence.Entries, evidence.Attachments, verification, definition, platform, keys.Signing.KeyId, culture));
    }

    private static void Json<T>(ZipArchive zip, string name, T value) => Bytes(zip, name, JsonSerializer.SerializeToUtf8Bytes(value, EvidenceBundle.JsonOptions));

    private static void Text(ZipArchive zip, string name, string text) => Bytes(zip, name, Encoding.UTF8.GetBytes(text));

    private static void Bytes(ZipArchive zip, string name, byte[] bytes)
    {
        using var stream = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
        stream.Write(bytes);
    }
}

/// <summary>The bundle's printable page: the delivery, whether its history verifies, and every step in words.</summary>
internal static class EvidenceSummary
{
    private static readonly TimeZoneInfo China = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    public static string Html(
        DeliveryRecord delivery, IReadOnlyList<LogRecord> entries, IReadOnlyDictionary<Guid, AttachmentRecord> attachments, LogVerification verification,
        ProcessDefinition? definition, bool platform, string keyId, string culture)
    {
        var en = culture.StartsWith("en", StringComparison.OrdinalIgnoreCase);
        string T(string zh, string english) => en ? english : zh;
        string E(string? text) => WebUtility.HtmlEncode(text ?? string.Empty);
        string Time(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, China).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        string Stage(string? key) => key is null ? "—" : definition is null ? key : DisplayNames.Stage(definition, key, culture);
        string Action(string key) => definition is null ? key : DisplayNames.Action(definition, key, culture);
        string Role(string role) => role switch
        {
            "buyer" => T("买家", "Buyer"),
            "provider" => T("服务商", "Provider"),
            "platform" => T("平台", "Platform"),
            "marketplace" => T("云市场", "Marketplace"),
            _ => T("系统", "System"),
        };

        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $$"""
            <!DOCTYPE html>
            <html lang="{{(en ? "en" : "zh-CN")}}"><head><meta charset="utf-8">
            <title>{{E(T("交付过程证据", "Delivery evidence"))}} · {{E(delivery.OrderId)}}</title>
            <style>
            body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;color:#1f2328;margin:24px auto;max-width:960px;padding:0 16px;line-height:1.5}
            h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:24px 0 8px}
            .muted{color:#57606a} .ok{color:#1a7f37} .bad{color:#cf222e}
            dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:12px 0} dt{color:#57606a} dd{margin:0}
            table{border-collapse:collapse;width:100%;font-size:13px} th,td{border-bottom:1px solid #d0d7de;padding:6px 8px;text-align:left;vertical-align:top}
            th{background:#f6f8fa} code{font-size:11px;word-break:break-all;color:#57606a}
            .verdict{border:1px solid #d0d7de;border-radius:6px;padding:10px 14px;margin:12px 0}
            @media print{body{margin:0} tr{break-inside:avoid} }
            </style></head><body>
            <h1>{{E(T("交付过程证据", "Delivery evidence"))}}</h1>
            <div class="muted">{{E(T("订单", "Order"))}} {{E(delivery.OrderId)}} · {{E(T("生成时间", "Generated"))}} {{E(Time(DateTimeOffset.UtcNow))}} ({{E(T("北京时间", "China time"))}})</div>
            <dl>
            <dt>{{E(T("商品", "Product"))}}</dt><dd>{{E(delivery.ProductName)}}</dd>
            <dt>{{E(T("买家", "Buyer"))}}</dt><dd>{{E(delivery.BuyerName)}} ({{E(delivery.BuyerId)}})</dd>
            <dt>{{E(T("服务商", "Provider"))}}</dt><dd>{{E(delivery.ProviderName)}} ({{E(delivery.ProviderId)}})</dd>
            <dt>{{E(T("实付金额", "Paid"))}}</dt><dd>{{delivery.PaidAmount.ToString("N2", CultureInfo.InvariantCulture)}} {{E(delivery.Currency)}}</dd>
            <dt>{{E(T("当前阶段", "Stage"))}}</dt><dd>{{E(Stage(delivery.Stage))}}</dd>
            </dl>
            """);
        var verdict = verification.Valid
            ? $"<span class=\"ok\">{E(T("日志完整", "Log intact"))}</span> — " + E(verification.AnchoredThrough is { } through
                ? T($"共 {verification.Entries} 条记录；第 1–{through} 条已由签名锚点证明，其后的记录由哈希链保护，待下一次锚定。", $"{verification.Entries} entries; 1–{through} proven by signed anchors, later ones protected by the hash chain until the next anchor.")
                : T($"共 {verification.Entries} 条记录，由哈希链保护；尚未锚定。", $"{verification.Entries} entries protected by the hash chain; not anchored yet."))
            : $"<span class=\"bad\">{E(T("日志被改动", "Log altered"))}</span> — " + E(T($"第 {verification.FirstBrokenSeq} 条起不可信（{verification.Reason}）。", $"from entry {verification.FirstBrokenSeq} on it cannot be trusted ({verification.Reason})."));
        html.Append(CultureInfo.InvariantCulture, $"<div class=\"verdict\" data-valid=\"{(verification.Valid ? "true" : "false")}\">{verdict}<br><span class=\"muted\">{E(T("链头", "Head"))} <code>{E(verification.Head)}</code></span></div>");
        if (!platform)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p class=\"muted\">{E(T("平台内部备注不在此证据包中；它们以加盐哈希的形式留在链里，所以链仍可验证。", "Platform-internal notes are not in this bundle; they stay in the chain as salted hashes, so it still verifies."))}</p>");
        }

        html.Append(CultureInfo.InvariantCulture, $"<h2>{E(T("流程日志", "Process log"))}</h2><table><tr><th>#</th><th>{E(T("时间（北京时间）", "Time (China)"))}</th><th>{E(T("操作人", "By"))}</th><th>{E(T("操作", "Action"))}</th><th>{E(T("阶段", "Stage"))}</th><th>{E(T("内容", "Details"))}</th></tr>");
        foreach (var e in entries)
        {
            var details = new StringBuilder();
            foreach (var (key, value) in e.Data.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                details.Append(CultureInfo.InvariantCulture, $"<div><span class=\"muted\">{E(key)}:</span> {E(value)}</div>");
            }

            if (platform)
            {
                foreach (var (key, value) in e.InternalData.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    details.Append(CultureInfo.InvariantCulture, $"<div><span class=\"muted\">{E(T("内部", "internal"))} {E(key)}:</span> {E(value)}</div>");
                }
            }

            foreach (var id in e.AttachmentIds)
            {
                var a = attachments.GetValueOrDefault(id);
                details.Append(CultureInfo.InvariantCulture, $"<div>📎 {E(a?.FileName ?? id.ToString())} <code>SHA-256 {E(a?.Sha256 ?? "?")}</code></div>");
            }

            details.Append(CultureInfo.InvariantCulture, $"<code>{E(Convert.ToHexStringLower(e.Hash ?? []))}</code>");
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{e.Seq}</td><td>{E(Time(e.At))}</td><td>{E(e.ActorName)}<div class=\"muted\">{E(Role(e.ActorRole))}</div></td><td>{E(Action(e.Action))}</td><td>{E(Stage(e.FromStage))} → {E(Stage(e.ToStage))}</td><td>{details}</td></tr>");
        }

        html.Append(CultureInfo.InvariantCulture, $"""
            </table>
            <h2>{E(T("如何自行验证", "How to check it yourself"))}</h2>
            <p>{E(T("无需数据库或网络：", "No database or network needed:"))} <code>dotnet run --project tools/ServiceDelivery.Verify -- {E($"evidence-{delivery.OrderId}.zip")} --key public-key.pem</code></p>
            <p class="muted">{E(T("签名公钥指纹（SHA-256）", "Signing key fingerprint (SHA-256)"))} <code>{E(keyId)}</code>. {E(T("请与平台公布的指纹核对。", "Compare it with the fingerprint the platform publishes."))}</p>
            </body></html>
            """);
        return html.ToString();
    }
}
