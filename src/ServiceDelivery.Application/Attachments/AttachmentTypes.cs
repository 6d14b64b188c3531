using System.Collections.Frozen;
using System.Text.Unicode;

namespace ServiceDelivery.Application.Attachments;

/// <summary>
/// The allow-list of attachment types: a file is accepted only when its extension is listed AND its leading bytes
/// look like that type. The content type we serve comes from here, never from the client.
/// </summary>
public static class AttachmentTypes
{
    /// <summary>How many leading bytes are kept for sniffing.</summary>
    public const int HeadSize = 8192;

    private static readonly byte[] Pdf = "%PDF-"u8.ToArray();
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF];
    private static readonly byte[] Gif87 = "GIF87a"u8.ToArray();
    private static readonly byte[] Gif89 = "GIF89a"u8.ToArray();
    private static readonly byte[] Zip = [0x50, 0x4B, 0x03, 0x04];
    private static readonly byte[] EmptyZip = [0x50, 0x4B, 0x05, 0x06];
    private static readonly byte[] Ole = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

    private static readonly FrozenDictionary<string, (string ContentType, Func<byte[], bool> Looks)> Types =
        new Dictionary<string, (string, Func<byte[], bool>)>(StringComparer.OrdinalIgnoreCase)
        {
            [".pdf"] = ("application/pdf", h => Starts(h, Pdf)),
            [".png"] = ("image/png", h => Starts(h, Png)),
            [".jpg"] = ("image/jpeg", h => Starts(h, Jpeg)),
            [".jpeg"] = ("image/jpeg", h => Starts(h, Jpeg)),
            [".gif"] = ("image/gif", h => Starts(h, Gif87) || Starts(h, Gif89)),
            [".webp"] = ("image/webp", h => h.Length >= 12 && Starts(h, "RIFF"u8.ToArray()) && h.AsSpan(8, 4).SequenceEqual("WEBP"u8)),
            [".zip"] = ("application/zip", h => Starts(h, Zip) || Starts(h, EmptyZip)),
            [".docx"] = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", h => Starts(h, Zip)),
            [".xlsx"] = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", h => Starts(h, Zip)),
            [".pptx"] = ("application/vnd.openxmlformats-officedocument.presentationml.presentation", h => Starts(h, Zip)),
            [".doc"] = ("application/msword", h => Starts(h, Ole)),
            [".xls"] = ("application/vnd.ms-excel", h => Starts(h, Ole)),
            [".ppt"] = ("application/vnd.ms-powerpoint", h => Starts(h, Ole)),
            [".txt"] = ("text/plain; charset=utf-8", IsText),
            [".log"] = ("text/plain; charset=utf-8", IsText),
            [".md"] = ("text/markdown; charset=utf-8", IsText),
            [".csv"] = ("text/csv; charset=utf-8", IsText),
            [".json"] = ("application/json", IsText),
            [".xml"] = ("application/xml", IsText),
        }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>The accepted extensions, for documentation and error messages.</summary>
    public static IEnumerable<string> Extensions => Types.Keys.Order(StringComparer.Ordinal);

    /// <summary>True when the extension is on the list.</summary>
    public static bool IsAllowedExtension(string fileName) => Types.ContainsKey(Path.GetExtension(fileName));

    /// <summary>The content type for <paramref name="fileName"/> when <paramref name="head"/> matches its extension; otherwise null.</summary>
    public static string? Detect(string fileName, byte[] head)
    {
        ArgumentNullException.ThrowIfNull(head);
        return Types.TryGetValue(Path.GetExtension(fileName), out var type) && type.Looks(head) ? type.ContentType : null;
    }

    private static bool Starts(byte[] head, byte[] magic) => head.AsSpan().StartsWith(magic);

    // Text has no signature: accept UTF-8 without NUL bytes (a cut multi-byte character at the window's end is fine).
    private static bool IsText(byte[] head)
    {
        if (head.AsSpan().Contains((byte)0))
        {
            return false;
        }

        for (var cut = 0; cut <= 3 && cut <= head.Length; cut++)
        {
            if (Utf8.IsValid(head.AsSpan(0, head.Length - cut)))
            {
                return cut == 0 || head.Length == HeadSize;
            }
        }

        return false;
    }
}
