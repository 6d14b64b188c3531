using ServiceDelivery.Application.Operations;

namespace ServiceDelivery.Integration.Tests;

/// <summary>The overview's charts, kept a minute per host: one computation at a time, and nobody queues behind it.</summary>
public sealed class OverviewChartsTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);

    private static Task<ChartFigures> Never() => throw new InvalidOperationException("computed twice");

    [Fact]
    public async Task While_the_charts_are_recomputed_other_views_get_the_previous_figures_and_only_the_first_ever_waits()
    {
        using var charts = new OverviewCharts();
        var first = new TaskCompletionSource<ChartFigures>();
        var computing = charts.GetAsync(At, () => first.Task);
        var waiting = charts.GetAsync(At, Never);
        waiting.IsCompleted.Should().BeFalse("with nothing computed yet, a view waits for the computation");
        var a = new ChartFigures(At, [], []);
        first.SetResult(a);
        (await computing).Should().BeSameAs(a);
        (await waiting).Should().BeSameAs(a, "the figures the first view computed, not a second computation");

        var later = At + OverviewCharts.MaxAge;
        var second = new TaskCompletionSource<ChartFigures>();
        var recomputing = charts.GetAsync(later, () => second.Task);
        var meanwhile = charts.GetAsync(later, Never);
        (await Task.WhenAny(meanwhile, Task.Delay(TimeSpan.FromSeconds(10)))).Should().BeSameAs(meanwhile, "a view does not queue behind the computation");
        (await meanwhile).Should().BeSameAs(a, "it gets the previous figures, with their time");

        var b = new ChartFigures(later, [], []);
        second.SetResult(b);
        (await recomputing).Should().BeSameAs(b);
        (await charts.GetAsync(later.AddSeconds(1), Never)).Should().BeSameAs(b);
    }
}
