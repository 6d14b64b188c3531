using System.Globalization;
using System.Security.Cryptography;
using ServiceDelivery.Evidence;

namespace ServiceDelivery.Verify;

/// <summary>
/// The offline check of an evidence bundle: prints a short report (zh-CN unless <c>--lang en</c> or a LANG starting
/// with <c>en</c>) and answers 0 when the bundle verifies, 1 when it does not, 2 on a usage or I/O error (including a
/// file that is not a readable bundle).
/// </summary>
public static class VerifyCommand
{
    public const int Valid = 0;
    public const int NotValid = 1;
    public const int Error = 2;

    public static int Run(string[] args, TextWriter output, TextWriter error, string? langEnvironment)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        string? bundlePath = null, keyPath = null, lang = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--key" when i + 1 < args.Length:
                    keyPath = args[++i];
                    break;
                case "--lang" when i + 1 < args.Length:
                    lang = args[++i];
                    break;
                case "-h" or "--help":
                    output.WriteLine(Usage);
                    return Valid;
                case var a when a.StartsWith('-') || bundlePath is not null:
                    error.WriteLine(Usage);
                    return Error;
                default:
                    bundlePath = args[i];
                    break;
            }
        }

        if (bundlePath is null || (lang is not null && !lang.StartsWith("en", StringComparison.OrdinalIgnoreCase) && !lang.StartsWith("zh", StringComparison.OrdinalIgnoreCase)))
        {
            error.WriteLine(Usage);
            return Error;
        }

        var en = (lang ?? langEnvironment ?? "").StartsWith("en", StringComparison.OrdinalIgnoreCase);
        var t = en ? Texts.En : Texts.Zh;

        AnchorKey? trusted = null;
        try
        {
            if (keyPath is not null)
            {
                trusted = AnchorKey.FromPem(File.ReadAllText(keyPath));
            }

            BundleReport report;
            using (var zip = File.OpenRead(bundlePath))
            {
                report = BundleVerifier.Verify(zip, trusted);
            }

            Print(report, bundlePath, t, output);
            return report.Valid ? Valid : NotValid;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or CryptographicException)
        {
            error.WriteLine(e switch
            {
                EvidenceBundleException => string.Format(CultureInfo.InvariantCulture, t.Unreadable, bundlePath, e.Message),
                ArgumentException or CryptographicException => string.Format(CultureInfo.InvariantCulture, t.BadKey, keyPath, e.Message),
                _ => string.Format(CultureInfo.InvariantCulture, t.CannotOpen, e.Message),
            });
            return Error;
        }
        finally
        {
            trusted?.Dispose();
        }
    }

    private const string Usage = """
        usage: ServiceDelivery.Verify <bundle.zip> [--key <trusted-public-key.pem>] [--lang zh-CN|en]
          --key   the platform's published anchor key; without it the bundle's own public-key.pem is taken on trust
          exit    0 valid, 1 not valid, 2 usage or I/O error
        """;

    private static void Print(BundleReport r, string path, Texts t, TextWriter o)
    {
        var m = r.Manifest;
        o.WriteLine(t.Bundle, path);
        o.WriteLine(t.Delivery, m.DeliveryId, m.OrderId, m.Audience == "party" ? t.Party : t.Platform, m.GeneratedAt);
        o.WriteLine(t.Log, r.Entries, r.Head);
        o.WriteLine(r.AnchoredThrough is { } through ? string.Format(CultureInfo.InvariantCulture, t.Anchored, through, r.Anchors) : string.Format(CultureInfo.InvariantCulture, t.NotAnchored, r.Anchors));
        o.WriteLine(r.KeyPinned ? t.KeyPinned : t.KeyNotPinned, r.KeyId);
        if (r.Valid)
        {
            o.WriteLine(t.Intact);
            return;
        }

        o.WriteLine(r.FirstBrokenSeq is null ? t.BrokenNoEntry : t.Broken, r.FirstBrokenSeq, r.Reason, t.Reason(r.Reason));
        o.WriteLine(t.Problems);
        foreach (var problem in r.Problems)
        {
            o.WriteLine("  - " + problem);
        }
    }

    private sealed record Texts(
        string Bundle, string Delivery, string Platform, string Party, string Log, string Anchored, string NotAnchored,
        string KeyPinned, string KeyNotPinned, string Intact, string Broken, string BrokenNoEntry, string Problems,
        string Unreadable, string CannotOpen, string BadKey, IReadOnlyDictionary<string, string> Reasons)
    {
        public string Reason(string? code) => code is not null && Reasons.TryGetValue(code, out var text) ? text : code ?? "";

        public static readonly Texts Zh = new(
            "证据包：{0}",
            "交付 {0}　订单 {1}　{2}　生成于 {3}",
            "平台版（含内部备注）",
            "当事方版（不含内部备注）",
            "日志：{0} 条，链头 {1}",
            "锚定：已由签名锚点证明至第 {0} 条（共 {1} 个锚点）",
            "锚定：尚无锚点证明本交付的日志（共 {0} 个锚点）",
            "签名密钥：{0}（与您信任的公钥一致）",
            "签名密钥：{0}（未用 --key 指定受信公钥：请与平台公布的密钥标识核对）",
            "结果：日志完整",
            "结果：日志被改动，自第 {0} 条起无法证明（{1}：{2}）",
            "结果：证据包不成立（{1}：{2}）",
            "问题（英文原文）：",
            "无法读取证据包 {0}：{1}",
            "无法打开文件：{0}",
            "受信公钥 {0} 不是 ECDSA P-256 公钥：{1}",
            new Dictionary<string, string>
            {
                [Evidence.Reasons.EntryChanged] = "条目内容与其哈希不符，已被修改",
                [Evidence.Reasons.EntryMissing] = "缺少条目（被删除或顺序被调换）",
                [Evidence.Reasons.EntryOutOfOrder] = "条目顺序错乱",
                [Evidence.Reasons.HeadMismatch] = "链头与最后一条不符（末尾条目被删除）",
                [Evidence.Reasons.AttachmentChanged] = "附件内容与记录的哈希不符或缺失",
                [Evidence.Reasons.AnchorMismatch] = "锚点记录的链头与日志不符（历史被改写后重算了哈希）",
                [Evidence.Reasons.ProofInvalid] = "默克尔证明无法推出锚点的根",
                [Evidence.Reasons.SignatureInvalid] = "锚点签名无效或签名密钥不受信",
                [Evidence.Reasons.AnchorMissing] = "锚点缺失或锚点序列断开",
            });

        public static readonly Texts En = new(
            "Evidence bundle: {0}",
            "Delivery {0}  order {1}  {2}  generated {3}",
            "platform bundle (internal notes included)",
            "party bundle (internal notes left out)",
            "Log: {0} entries, head {1}",
            "Anchored: proven by signed anchors through entry {0} ({1} anchors)",
            "Anchored: no anchor proves this delivery's log yet ({0} anchors)",
            "Signing key: {0} (the key you trust)",
            "Signing key: {0} (not pinned with --key: compare it with the key id the platform publishes)",
            "Result: the log is intact",
            "Result: the log does not verify from entry {0} on ({1}: {2})",
            "Result: the bundle does not hold ({1}: {2})",
            "Problems:",
            "Cannot read the evidence bundle {0}: {1}",
            "Cannot open the file: {0}",
            "The trusted key {0} is not an ECDSA P-256 public key: {1}",
            new Dictionary<string, string>
            {
                [Evidence.Reasons.EntryChanged] = "an entry is not what its hash says",
                [Evidence.Reasons.EntryMissing] = "an entry is missing (deleted, or entries reordered)",
                [Evidence.Reasons.EntryOutOfOrder] = "entries are out of order",
                [Evidence.Reasons.HeadMismatch] = "the head is not the last entry's hash (entries cut off the end)",
                [Evidence.Reasons.AttachmentChanged] = "an attachment's bytes are not those recorded, or are missing",
                [Evidence.Reasons.AnchorMismatch] = "an anchored head differs from the log (history rewritten, hashes recomputed)",
                [Evidence.Reasons.ProofInvalid] = "a Merkle proof does not lead to its anchor's root",
                [Evidence.Reasons.SignatureInvalid] = "an anchor's signature is invalid or its key is not the trusted one",
                [Evidence.Reasons.AnchorMissing] = "an anchor is missing or the anchors do not link up",
            });
    }
}
