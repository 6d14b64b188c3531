namespace ServiceDelivery.Web.Studio;

/// <summary>Where a stage is drawn (top-left corner).</summary>
public readonly record struct Position(double X, double Y);

/// <summary>An action's label: its name's lines, its roles (on the last line, or <paramref name="RolesApart"/> on their own), and its size.</summary>
/// <summary>A stage's name as drawn: its lines and the type size they were measured in.</summary>
public sealed record StageLabel(IReadOnlyList<string> Lines, double Size)
{
    public bool Small => Size < LayeredLayout.NameSize;
}

public sealed record ActionLabel(IReadOnlyList<string> Lines, string Roles, bool RolesApart, double Width, double Height);

/// <summary>
/// A layered layout with the main path left to right. Back edges (found by a depth-first walk from the initial
/// stage, in document order) are set aside; each stage's column is then its longest distance from the initial
/// stage, so every forward action points right. The main path (the shortest way from the initial stage to the
/// first completed stage) takes the top row; side stages go below it, paused and refunded/closed stages at the
/// bottom. Stages nothing leads to take a column after the others. Each stage has its own (column, row) cell, so
/// nodes never overlap; stages have one size, names wrap inside them.
/// </summary>
public static class LayeredLayout
{
    public const double NodeWidth = 176;
    public const double NodeHeight = 72;
    public const double NameSize = 15;        // px of a stage's name (semi-bold), on up to two lines
    public const double LabelSize = 13;       // px of an action's name
    public const double RolesSize = 12;       // px of the roles after it: the smallest type on the canvas
    public const double LabelWrap = 132;      // px an action's name takes before it wraps
    public const double LabelLine = 16;       // px from one label line to the next
    public const double MinColumnGap = 88;
    public const double RowGap = 100;
    public const double Margin = 40;
    public const double TopMargin = 96; // room for self-loops and back edges arcing over the top row

    public const double SmallNameSize = 13;   // px of a name that needs a third line (still well above 11 px)
    public const double SmallNameLine = 15;

    /// <summary>
    /// A stage's name as drawn: one or two lines inside the stage; a longer name (an English one, mostly) in smaller
    /// type on up to three lines, cut with "…" only beyond that. Every stage has the same size whatever its name or the
    /// page's language, so a layout (and the positions a designer saved) holds in both.
    /// </summary>
    public static StageLabel StageName(StageNode stage, string culture)
    {
        ArgumentNullException.ThrowIfNull(stage);
        var name = stage.Name.Get(culture);
        var whole = TextWidth.Wrap(name, NodeWidth - 20, NameSize, maxLines: 10, bold: true);
        return whole.Count <= 2
            ? new StageLabel(whole, NameSize)
            : new StageLabel(TextWidth.Wrap(name, NodeWidth - 20, SmallNameSize, maxLines: 3, bold: true), SmallNameSize);
    }

    /// <summary>An action's label as drawn: its name on one or two lines, then its roles in smaller type ("（买家）").</summary>
    public static ActionLabel Label(ActionEdge edge, string culture)
    {
        ArgumentNullException.ThrowIfNull(edge);
        var english = culture.StartsWith("en", StringComparison.OrdinalIgnoreCase);
        var roles = edge.Roles.Count == 0 ? string.Empty
            : english ? "(" + string.Join(", ", edge.Roles.Select(r => UiText.In("role." + r, culture))) + ")"
            : "（" + string.Join("、", edge.Roles.Select(r => UiText.In("role." + r, culture))) + "）";
        var lines = TextWidth.Wrap(edge.Name.Get(culture), LabelWrap, LabelSize, maxLines: 2) is { Count: > 0 } wrapped ? wrapped : [edge.Key];
        var widths = lines.Select(l => TextWidth.Of(l, LabelSize)).ToList();
        var rolesWidth = TextWidth.Of(roles, RolesSize);
        // The roles follow the name on its last line when they fit there, else they take a line of their own.
        var apart = roles.Length > 0 && widths[^1] + 4 + rolesWidth > LabelWrap + 16;
        var width = apart ? Math.Max(widths.Max(), rolesWidth) : Math.Max(widths.Take(widths.Count - 1).DefaultIfEmpty(0).Max(), widths[^1] + (roles.Length == 0 ? 0 : 4 + rolesWidth));
        return new ActionLabel(lines, roles, apart, Math.Ceiling(width), LabelLine * (lines.Count + (apart ? 1 : 0)) + 2);
    }

    /// <summary>
    /// Where the canvas draws each stage: the designer's saved position, else the automatic one, moved down a row at
    /// a time while it would cover a saved stage.
    /// </summary>
    public static IReadOnlyDictionary<string, Position> Place(ProcessGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var placed = new Dictionary<string, Position>(graph.Layout, StringComparer.Ordinal);
        foreach (var (key, at) in Arrange(graph).Where(p => !graph.Layout.ContainsKey(p.Key)))
        {
            var position = at;
            while (placed.Values.Any(other => Overlap(other, position)))
            {
                position = position with { Y = position.Y + NodeHeight + RowGap };
            }

            placed[key] = position;
        }

        return placed;
    }

    /// <summary>Whether two stages drawn at these corners would touch (with a little air between them).</summary>
    public static bool Overlap(Position a, Position b) =>
        Math.Abs(a.X - b.X) < NodeWidth + 8 && Math.Abs(a.Y - b.Y) < NodeHeight + 8;

    public static IReadOnlyDictionary<string, Position> Arrange(ProcessGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var keys = graph.Stages.Select(s => s.Key).Distinct(StringComparer.Ordinal).ToList();
        if (keys.Count == 0)
        {
            return new Dictionary<string, Position>();
        }

        var next = keys.ToDictionary(k => k, _ => new List<string>(), StringComparer.Ordinal);
        foreach (var edge in graph.Edges.Where(e => next.ContainsKey(e.From) && next.ContainsKey(e.To) && e.From != e.To))
        {
            if (!next[edge.From].Contains(edge.To))
            {
                next[edge.From].Add(edge.To);
            }
        }

        var start = graph.InitialStage is { } initial && next.ContainsKey(initial) ? initial : keys[0];
        var forward = ForwardEdges(start, next);
        var column = LongestPath(start, keys, forward);
        var unreachedColumn = column.Count == 0 ? 0 : column.Values.Max() + 1;
        foreach (var key in keys.Where(k => !column.ContainsKey(k)))
        {
            column[key] = unreachedColumn;
        }

        var status = graph.Stages.GroupBy(s => s.Key).ToDictionary(g => g.Key, g => g.First().Status, StringComparer.Ordinal);
        var main = MainPath(start, next, status);
        var order = keys.Select((k, i) => (k, i)).ToDictionary(p => p.k, p => p.i, StringComparer.Ordinal);

        // Band 0: the main path; band 1: other active stages; band 2: paused and ended-otherwise stages.
        int Band(string key) => main.Contains(key) ? 0 : status[key] is "paused" or "refunded" or "closed" ? 2 : 1;

        var rows = new Dictionary<string, int>(StringComparer.Ordinal);
        var usedRows = new Dictionary<int, HashSet<int>>();
        foreach (var key in keys.OrderBy(Band).ThenBy(k => column[k]).ThenBy(k => order[k]))
        {
            var col = column[key];
            var used = usedRows.TryGetValue(col, out var taken) ? taken : usedRows[col] = [];
            var row = Band(key) == 2 ? Math.Max(2, used.Count == 0 ? 2 : used.Max() + 1) : Band(key);
            while (used.Contains(row))
            {
                row++;
            }

            used.Add(row);
            rows[key] = row;
        }

        // The gap after a column is as wide as the widest label of an action from it to the next column (in either
        // language), so such a label sits between the stages, never under one.
        var columns = column.Values.Max() + 1;
        var gap = Enumerable.Repeat(MinColumnGap, columns).ToArray();
        foreach (var edge in graph.Edges.Where(e => column.ContainsKey(e.From) && column.ContainsKey(e.To) && column[e.To] == column[e.From] + 1))
        {
            var label = Math.Max(Label(edge, "zh-CN").Width, Label(edge, "en").Width);
            gap[column[edge.From]] = Math.Max(gap[column[edge.From]], Math.Ceiling(label + 28));
        }

        var left = new double[columns];
        for (var c = 1; c < columns; c++)
        {
            left[c] = left[c - 1] + NodeWidth + gap[c - 1];
        }

        return keys.ToDictionary(k => k, k => new Position(Margin + left[column[k]], TopMargin + rows[k] * (NodeHeight + RowGap)), StringComparer.Ordinal);
    }

    /// <summary>Edges of a depth-first walk that do not close a cycle.</summary>
    private static HashSet<(string, string)> ForwardEdges(string start, Dictionary<string, List<string>> next)
    {
        var forward = new HashSet<(string, string)>();
        var onPath = new HashSet<string>(StringComparer.Ordinal);
        var done = new HashSet<string>(StringComparer.Ordinal);

        void Visit(string stage)
        {
            onPath.Add(stage);
            foreach (var target in next[stage])
            {
                if (onPath.Contains(target))
                {
                    continue; // a back edge: drawn, but not used for columns
                }

                forward.Add((stage, target));
                if (!done.Contains(target))
                {
                    Visit(target);
                }
            }

            onPath.Remove(stage);
            done.Add(stage);
        }

        Visit(start);
        return forward;
    }

    private static Dictionary<string, int> LongestPath(string start, List<string> keys, HashSet<(string From, string To)> forward)
    {
        var column = new Dictionary<string, int>(StringComparer.Ordinal) { [start] = 0 };
        // Relax in rounds; the forward graph is acyclic, so this settles within |stages| rounds.
        for (var round = 0; round < keys.Count; round++)
        {
            var changed = false;
            foreach (var (from, to) in forward)
            {
                if (column.TryGetValue(from, out var c) && (!column.TryGetValue(to, out var existing) || existing < c + 1))
                {
                    column[to] = c + 1;
                    changed = true;
                }
            }

            if (!changed)
            {
                break;
            }
        }

        return column;
    }

    private static HashSet<string> MainPath(string start, Dictionary<string, List<string>> next, Dictionary<string, string> status)
    {
        var previous = new Dictionary<string, string?>(StringComparer.Ordinal) { [start] = null };
        var queue = new Queue<string>([start]);
        string? end = null;
        while (queue.Count > 0 && end is null)
        {
            var stage = queue.Dequeue();
            if (status[stage] == "completed")
            {
                end = stage;
                break;
            }

            foreach (var target in next[stage].Where(t => !previous.ContainsKey(t)))
            {
                previous[target] = stage;
                queue.Enqueue(target);
            }
        }

        var path = new HashSet<string>(StringComparer.Ordinal) { start };
        for (var at = end; at is not null; at = previous[at])
        {
            path.Add(at);
        }

        return path;
    }
}
