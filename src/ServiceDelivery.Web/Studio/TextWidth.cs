namespace ServiceDelivery.Web.Studio;

/// <summary>
/// How wide a text is drawn on the canvas, worked out on the server (the SVG is rendered before any browser sees it).
/// Advance widths of the canvas font (Noto Sans CJK SC, whose Latin is proportional), in ems, rounded up so the
/// estimate errs wide: a box sized from it holds the text. The browser tests measure the real text against it.
/// </summary>
public static class TextWidth
{
    // a–z, from the font's metrics, rounded up.
    private static readonly double[] Lower =
        [0.56, 0.61, 0.50, 0.61, 0.56, 0.35, 0.56, 0.61, 0.27, 0.28, 0.55, 0.28, 0.92, 0.61, 0.60, 0.61, 0.61, 0.39, 0.48, 0.39, 0.61, 0.54, 0.81, 0.53, 0.54, 0.49];

    /// <summary>Width in pixels of <paramref name="text"/> at <paramref name="size"/> px (semi-bold adds a little).</summary>
    public static double Of(string? text, double size, bool bold = false)
    {
        if (string.IsNullOrEmpty(text))
        {
            return 0;
        }

        var ems = 0.0;
        foreach (var c in text)
        {
            ems += c switch
            {
                >= 'a' and <= 'z' => Lower[c - 'a'],
                'I' or 'J' => 0.32,
                'M' or 'W' => 0.90,
                >= 'A' and <= 'Z' => 0.68,
                >= '0' and <= '9' => 0.57,
                ' ' => 0.25,
                '.' or ',' or ':' or ';' or '\'' or '!' or '|' => 0.28,
                '(' or ')' or '[' or ']' or '-' or '/' => 0.36,
                > '\u2E80' => 1.0, // CJK, fullwidth punctuation
                _ => 0.62,
            };
        }

        return ems * size * (bold ? 1.06 : 1.0);
    }

    /// <summary>The text, cut with "…" so it is at most <paramref name="width"/> px wide.</summary>
    public static string Fit(string text, double width, double size, bool bold = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Of(text, size, bold) <= width ? text : Cut(text, width, size, bold);
    }

    private static string Cut(string text, double width, double size, bool bold)
    {
        var cut = text;
        while (cut.Length > 1 && Of(cut + "…", size, bold) > width)
        {
            cut = cut[..^1];
        }

        return cut.TrimEnd() + "…";
    }

    /// <summary>
    /// The text broken into lines at most <paramref name="width"/> px wide: between words where there are spaces, else
    /// between characters (Chinese); beyond <paramref name="maxLines"/> the last line is cut with "…".
    /// </summary>
    public static IReadOnlyList<string> Wrap(string text, double width, double size, int maxLines, bool bold = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = new List<string>();
        var line = string.Empty;
        foreach (var piece in Pieces(text))
        {
            var joined = line + piece;
            if (line.Length == 0 || Of(joined.TrimEnd(), size, bold) <= width)
            {
                line = joined;
                continue;
            }

            lines.Add(line.TrimEnd());
            line = piece.TrimStart();
        }

        if (line.Trim().Length > 0)
        {
            lines.Add(line.TrimEnd());
        }

        // A single word wider than the line is cut rather than left to run out of its box.
        for (var i = 0; i < lines.Count; i++)
        {
            lines[i] = Fit(lines[i], width, size, bold);
        }

        if (lines.Count > maxLines)
        {
            lines[maxLines - 1] = Cut(lines[maxLines - 1], width, size, bold);
            lines.RemoveRange(maxLines, lines.Count - maxLines);
        }

        return lines;
    }

    // Words with their trailing space; each CJK character is a piece of its own.
    private static IEnumerable<string> Pieces(string text)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] > '\u2E80')
            {
                if (i > start)
                {
                    yield return text[start..i];
                }

                yield return text[i].ToString();
                start = i + 1;
            }
            else if (text[i] == ' ')
            {
                yield return text[start..(i + 1)];
                start = i + 1;
            }
        }

        if (start < text.Length)
        {
            yield return text[start..];
        }
    }
}
