using System.Globalization;
using ServiceDelivery.Web.Studio;

namespace ServiceDelivery.Web.Components.Studio;

/// <summary>One drawn action: its SVG path, where its label goes, and for <c>$return</c> the marker it points to.</summary>
public sealed record CanvasEdge(ActionEdge Action, string Path, double LabelX, double LabelY, bool Dashed, Position? ReturnMarker)
{
    private const double W = LayeredLayout.NodeWidth;
    private const double H = LayeredLayout.NodeHeight;

    /// <summary>
    /// Routes every edge: right-going edges leave the right side, back edges bow below the rows, self-loops arc over
    /// the node, and parallel edges between the same two stages are spread apart so their labels do not overlap.
    /// </summary>
    /// <param name="graph">The process.</param>
    /// <param name="at">Where each stage is drawn.</param>
    /// <param name="culture">The labels' language (their width decides where they fit).</param>
    public static IReadOnlyList<CanvasEdge> Route(ProcessGraph graph, IReadOnlyDictionary<string, Position> at, string culture)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(at);
        var routed = new List<CanvasEdge>();
        var seen = new Dictionary<(string, string), int>();
        var bottom = at.Count == 0 ? 0 : at.Values.Max(p => p.Y) + H;
        var top = at.Count == 0 ? 0 : at.Values.Min(p => p.Y);
        foreach (var edge in graph.Edges)
        {
            if (!at.TryGetValue(edge.From, out var from))
            {
                continue;
            }

            var target = edge.To == ProcessGraph.Stay ? edge.From : edge.To;
            var pair = (edge.From, target);
            var nth = seen.TryGetValue(pair, out var count) ? count : 0;
            seen[pair] = nth + 1;

            if (edge.To == ProcessGraph.Return)
            {
                // Back to wherever the delivery came from: a dashed drop to a marker under the stage.
                var sx = from.X + W * 0.75;
                var markerY = from.Y + H + 56 + 22 * nth;
                routed.Add(new CanvasEdge(edge, Invariant($"M {sx} {from.Y + H} L {sx} {markerY - 14}"), sx + 6, from.Y + H + 30 + 22 * nth, true, new Position(sx, markerY)));
                continue;
            }

            if (target == edge.From)
            {
                var lift = 40 + 24 * nth;
                var path = Invariant($"M {from.X + W * 0.3} {from.Y} C {from.X + W * 0.3} {from.Y - lift} {from.X + W * 0.7} {from.Y - lift} {from.X + W * 0.7} {from.Y}");
                routed.Add(new CanvasEdge(edge, path, from.X + W / 2, from.Y - lift * 0.75 - 4, false, null));
                continue;
            }

            if (!at.TryGetValue(target, out var to))
            {
                continue;
            }

            var spread = (nth - 0.0) * 14;
            (double x, double y) p0, p1, p2, p3;
            if (to.X > from.X)
            {
                p0 = (from.X + W, from.Y + H / 2 + spread);
                p3 = (to.X, to.Y + H / 2 + spread);
                var mid = (p3.x - p0.x) / 2;
                p1 = (p0.x + mid, p0.y);
                p2 = (p3.x - mid, p3.y);
            }
            else if (to.X < from.X && from.Y == top && to.Y == top)
            {
                // A step back along the top row (e.g. 验收驳回) arcs over it.
                p0 = (from.X + W * 0.15 + spread, from.Y);
                p3 = (to.X + W * 0.85 - spread, to.Y);
                var rise = top - 52 - 16 * nth;
                p1 = (p0.x, rise);
                p2 = (p3.x, rise);
            }
            else if (to.X < from.X)
            {
                // Other back edges bow under everything so they never cross a node.
                p0 = (from.X + W * 0.4 - spread, from.Y + H);
                p3 = (to.X + W * 0.6 + spread, to.Y + H);
                var dip = bottom + 40 + 18 * nth;
                p1 = (p0.x, dip);
                p2 = (p3.x, dip);
            }
            else
            {
                var down = to.Y > from.Y;
                p0 = (from.X + W / 2 + spread, down ? from.Y + H : from.Y);
                p3 = (to.X + W / 2 + spread, down ? to.Y : to.Y + H);
                p1 = (p0.x + 30, (p0.y + p3.y) / 2);
                p2 = (p3.x + 30, (p0.y + p3.y) / 2);
            }

            var (lx, ly) = LabelSpot(LabelWidth(edge, culture) / 2, p0, p1, p2, p3, at.Values);
            var d = Invariant($"M {p0.x} {p0.y} C {p1.x} {p1.y} {p2.x} {p2.y} {p3.x} {p3.y}");
            routed.Add(new CanvasEdge(edge, d, lx, ly - 4, false, null));
        }

        return routed;
    }

    /// <summary>Along the curve from its midpoint outwards, the first spot where the label covers no stage.</summary>
    private static (double X, double Y) LabelSpot(double half, (double x, double y) p0, (double x, double y) p1, (double x, double y) p2, (double x, double y) p3, IEnumerable<Position> stages)
    {
        double[] along = [0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78, 0.15, 0.85];
        (double X, double Y) At(double t)
        {
            var u = 1 - t;
            return (u * u * u * p0.x + 3 * u * u * t * p1.x + 3 * u * t * t * p2.x + t * t * t * p3.x,
                    u * u * u * p0.y + 3 * u * u * t * p1.y + 3 * u * t * t * p2.y + t * t * t * p3.y);
        }

        foreach (var t in along)
        {
            var (x, y) = At(t);
            // The text's box: centred on x, from a line above its baseline (y - 4) to just below it.
            if (!stages.Any(s => x + half > s.X && x - half < s.X + W && y > s.Y && y - 16 < s.Y + H))
            {
                return (x, y);
            }
        }

        return At(0.5);
    }

    /// <summary>About how wide the label is drawn (12 px type, CJK characters full width, the roles in 10 px after it).</summary>
    public static double LabelWidth(ActionEdge edge, string culture)
    {
        ArgumentNullException.ThrowIfNull(edge);
        return edge.Name.Get(culture).Sum(c => c > '\u2E80' ? 12.0 : 6.5) + 4 + 10 * (2 + 2 * Math.Max(1, edge.Roles.Count));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
