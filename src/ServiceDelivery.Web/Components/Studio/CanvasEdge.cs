using System.Globalization;
using ServiceDelivery.Web.Studio;

namespace ServiceDelivery.Web.Components.Studio;

/// <summary>A rectangle on the canvas, in canvas units.</summary>
public readonly record struct Box(double X, double Y, double W, double H)
{
    /// <summary>How much of this box <paramref name="other"/> covers (0: they do not touch).</summary>
    public double Overlap(Box other) =>
        Math.Max(0, Math.Min(X + W, other.X + other.W) - Math.Max(X, other.X)) * Math.Max(0, Math.Min(Y + H, other.Y + other.H) - Math.Max(Y, other.Y));
}

/// <summary>
/// One drawn action: its SVG path, its label (lines centred on <paramref name="LabelX"/>, the first line's baseline at
/// <paramref name="LabelY"/>) and the box the label takes, and for <c>$return</c> the marker it points to.
/// </summary>
public sealed record CanvasEdge(ActionEdge Action, string Path, ActionLabel Label, double LabelX, double LabelY, Box LabelBox, bool Dashed, Position? ReturnMarker)
{
    private const double W = LayeredLayout.NodeWidth;
    private const double H = LayeredLayout.NodeHeight;

    /// <summary>
    /// Routes every edge: right-going edges leave the right side, back edges bow below the rows, self-loops arc over
    /// the node, and parallel edges between the same two stages are spread apart. Each label goes to the first spot
    /// along its line (then a little above or below it) that covers no stage, no timer badge and no other label.
    /// </summary>
    /// <param name="graph">The process.</param>
    /// <param name="at">Where each stage is drawn.</param>
    /// <param name="culture">The labels' language (their width decides where they fit).</param>
    /// <param name="obstacles">Other things drawn that a label must not cover (timer badges).</param>
    public static IReadOnlyList<CanvasEdge> Route(ProcessGraph graph, IReadOnlyDictionary<string, Position> at, string culture, IEnumerable<Box>? obstacles = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(at);
        var taken = at.Values.Select(p => new Box(p.X - 4, p.Y - 4, W + 8, H + 8)).Concat(obstacles ?? []).ToList();
        var routed = new List<CanvasEdge>();
        var seen = new Dictionary<(string, string), int>();
        var loopLabels = new Dictionary<string, List<Box>>(StringComparer.Ordinal);
        var bottom = at.Count == 0 ? 0 : at.Values.Max(p => p.Y) + H;
        var top = at.Count == 0 ? 0 : at.Values.Min(p => p.Y);

        // A spot is where the label's centre goes.
        CanvasEdge Labelled(ActionEdge edge, string path, IEnumerable<(double X, double Y)> spots, bool dashed = false, Position? marker = null)
        {
            var label = LayeredLayout.Label(edge, culture);
            Box BoxAt((double X, double Y) spot) => new(spot.X - label.Width / 2, spot.Y - label.Height / 2, label.Width, label.Height);
            double Covered(Box box) => taken.Sum(t => t.Overlap(box)) + (box.X < 0 || box.Y < 0 ? 1e6 : 0);
            var candidates = spots.ToList();
            var best = candidates.Select(s => (Spot: s, Cost: Covered(BoxAt(s)))).FirstOrDefault(c => c.Cost == 0);
            if (best == default)
            {
                best = candidates.Select(s => (Spot: s, Cost: Covered(BoxAt(s)))).MinBy(c => c.Cost);
            }

            var box = BoxAt(best.Spot);
            taken.Add(box);
            return new CanvasEdge(edge, path, label, best.Spot.X, box.Y + 13, box, dashed, marker);
        }

        // Loops and returns have little room to choose: they are labelled first.
        var ordered = graph.Edges.OrderBy(e => e.To == ProcessGraph.Return || e.To == ProcessGraph.Stay || e.To == e.From ? 0 : 1);
        foreach (var edge in ordered)
        {
            if (!at.TryGetValue(edge.From, out var from))
            {
                continue;
            }

            const double w = W;
            var target = edge.To == ProcessGraph.Stay ? edge.From : edge.To;
            var pair = (edge.From, target);
            var nth = seen.TryGetValue(pair, out var count) ? count : 0;
            seen[pair] = nth + 1;

            if (edge.To == ProcessGraph.Return)
            {
                // Back to wherever the delivery came from: a dashed drop to a marker under the stage.
                var sx = from.X + w * 0.75;
                var markerY = from.Y + H + 56 + 22 * nth;
                var half = LayeredLayout.Label(edge, culture).Width / 2;
                routed.Add(Labelled(edge, Invariant($"M {sx} {from.Y + H} L {sx} {markerY - 14}"),
                    [(sx + 6 + half, from.Y + H + 26 + 22 * nth), (sx - 6 - half, from.Y + H + 26 + 22 * nth), (sx + 6 + half, from.Y + H + 44 + 22 * nth)],
                    dashed: true, marker: new Position(sx, markerY)));
                taken.Add(new Box(sx - 40, markerY - 12, 80, 16));
                continue;
            }

            if (target == edge.From)
            {
                // A second loop on the same stage (a new action stays until it is given a target) goes around the
                // labels of the loops before it: its legs outside their width, its top above them, so no line
                // crosses a label.
                var before = loopLabels.TryGetValue(edge.From, out var labels) ? labels : loopLabels[edge.From] = [];
                string path;
                double apex;
                if (before.Count == 0)
                {
                    path = Invariant($"M {from.X + w * 0.3} {from.Y} C {from.X + w * 0.3} {from.Y - 40} {from.X + w * 0.7} {from.Y - 40} {from.X + w * 0.7} {from.Y}");
                    apex = from.Y - 30 - LayeredLayout.Label(edge, culture).Height / 2;
                }
                else
                {
                    // Up beside the earlier labels, across above them, down: a squared loop that surely clears them.
                    var inset = Math.Clamp((w - before.Max(b => b.W)) / 2 - 6, 4, w * 0.3);
                    var (left, right, high) = (from.X + inset, from.X + w - inset, before.Min(b => b.Y) - 6);
                    path = Invariant($"M {left} {from.Y} L {left} {high + 8} Q {left} {high} {left + 8} {high} L {right - 8} {high} Q {right} {high} {right} {high + 8} L {right} {from.Y}");
                    apex = high - 2 - LayeredLayout.Label(edge, culture).Height / 2;
                }

                var loop = Labelled(edge, path, Enumerable.Range(0, 6).Select(i => (from.X + w / 2, apex - 16.0 * i)));
                before.Add(loop.LabelBox);
                routed.Add(loop);
                continue;
            }

            if (!at.TryGetValue(target, out var to))
            {
                continue;
            }

            const double tw = W;
            var spread = nth * 14.0;
            (double x, double y) p0, p1, p2, p3;
            if (to.X >= from.X + w)
            {
                p0 = (from.X + w, from.Y + H / 2 + spread);
                p3 = (to.X, to.Y + H / 2 + spread);
                var mid = (p3.x - p0.x) / 2;
                p1 = (p0.x + mid, p0.y);
                p2 = (p3.x - mid, p3.y);
            }
            else if (to.X + tw <= from.X && from.Y == top && to.Y == top)
            {
                // A step back along the top row (e.g. 验收驳回) arcs over it.
                p0 = (from.X + w * 0.15 + spread, from.Y);
                p3 = (to.X + tw * 0.85 - spread, to.Y);
                var rise = top - 52 - 16 * nth;
                p1 = (p0.x, rise);
                p2 = (p3.x, rise);
            }
            else if (to.X + tw <= from.X)
            {
                // Other back edges bow under everything so they never cross a node.
                p0 = (from.X + w * 0.4 - spread, from.Y + H);
                p3 = (to.X + tw * 0.6 + spread, to.Y + H);
                var dip = bottom + 40 + 18 * nth;
                p1 = (p0.x, dip);
                p2 = (p3.x, dip);
            }
            else
            {
                var down = to.Y > from.Y;
                p0 = (from.X + w / 2 + spread, down ? from.Y + H : from.Y);
                p3 = (to.X + tw / 2 + spread, down ? to.Y : to.Y + H);
                p1 = (p0.x + 30, (p0.y + p3.y) / 2);
                p2 = (p3.x + 30, (p0.y + p3.y) / 2);
            }

            var d = Invariant($"M {p0.x} {p0.y} C {p1.x} {p1.y} {p2.x} {p2.y} {p3.x} {p3.y}");
            routed.Add(Labelled(edge, d, Along(p0, p1, p2, p3, LayeredLayout.Label(edge, culture).Height)));
        }

        return routed;
    }

    /// <summary>Spots for a label: along the curve from its midpoint outwards, just above the line, then on it, below it, further out.</summary>
    private static IEnumerable<(double X, double Y)> Along((double x, double y) p0, (double x, double y) p1, (double x, double y) p2, (double x, double y) p3, double height)
    {
        double[] along = [0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78, 0.15, 0.85];
        double[] beside = [-height / 2 - 2, 0, height / 2 + 2, -height / 2 - 14, height / 2 + 14, -height / 2 - 28, height / 2 + 28];
        foreach (var dy in beside)
        {
            foreach (var t in along)
            {
                var u = 1 - t;
                yield return (u * u * u * p0.x + 3 * u * u * t * p1.x + 3 * u * t * t * p2.x + t * t * t * p3.x,
                              u * u * u * p0.y + 3 * u * u * t * p1.y + 3 * u * t * t * p2.y + t * t * t * p3.y + dy);
            }
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
