using Distill.Reports;
using Distill.Reports.Charts;
using Distill.Runner.Tests.Support;
using SkiaSharp;

namespace Distill.Runner.Tests.Reports;

public sealed class ChartRendererTests
{
    // The first two colours of the Category10 palette ScottPlot draws series with.
    private static readonly SKColor s_blue = new(0x1f, 0x77, 0xb4);
    private static readonly SKColor s_orange = new(0xff, 0x7f, 0x0e);

    [Fact]
    public void RenderPng_TwoSeries_DrawsEachInItsColour()
    {
        var chart = new LineChart
        {
            Title = "loss",
            XLabel = "step",
            YLabel = "loss",
            Series =
            [
                new ChartSeries("training", [.. Enumerable.Range(1, 50).Select(i => (double)i)], [.. Enumerable.Range(1, 50).Select(i => 5.0 / i)]),
                new ChartSeries("validation", [10, 20, 30, 40, 50], [1.2, 0.9, 0.7, 0.6, 0.55]),
            ],
        };

        var png = ChartRenderer.RenderPng(chart, 640, 400);

        Assert.True(Png.AssertImage(png, 640, 400) > 20);
        Assert.True(Png.CountNear(png, s_blue) > 200, "the first series is not drawn");
        Assert.True(Png.CountNear(png, s_orange) > 100, "the second series is not drawn");
    }

    [Fact]
    public void RenderPng_NonFinitePoints_AreLeftOut()
    {
        var chart = new LineChart
        {
            Title = "loss",
            XLabel = "step",
            YLabel = "loss",
            Series = [new ChartSeries("training", [1, 2, 3, 4], [2, double.NaN, double.PositiveInfinity, 1])],
        };

        Assert.True(Png.AssertImage(ChartRenderer.RenderPng(chart, 300, 200), 300, 200) > 5);
        var nothing = chart with { Series = [new ChartSeries("training", [1], [double.NaN])] };
        Assert.Throws<ArgumentException>(() => ChartRenderer.RenderPng(nothing));
    }

    [Fact]
    public void RenderPng_GroupedBarsWithErrorBars_DrawsBothSeriesAndTheWhiskers()
    {
        var chart = new GroupedBarChart
        {
            Title = "methods",
            YLabel = "perplexity ratio",
            Groups = ["kd", "atkd", "ted"],
            Series =
            [
                new BarSeries("small student", [1.4, 1.3, 1.2], [0.1, 0.05, 0.2]),
                new BarSeries("large student", [1.2, 1.15, 1.1], [0.05, 0.05, 0.1]),
            ],
        };

        var withErrors = ChartRenderer.RenderPng(chart, 640, 400);
        var withoutErrors = ChartRenderer.RenderPng(chart with { Series = [.. chart.Series.Select(s => new BarSeries(s.Name, s.Means))] }, 640, 400);

        Png.AssertImage(withErrors, 640, 400);
        Assert.True(Png.CountNear(withErrors, s_blue) > 2000, "the first series' bars are not drawn");
        Assert.True(Png.CountNear(withErrors, s_orange) > 2000, "the second series' bars are not drawn");
        Assert.True(Png.CountNear(withErrors, SKColors.Black, 60) > Png.CountNear(withoutErrors, SKColors.Black, 60), "the error bars add no dark pixels");
    }

    [Fact]
    public void RenderPng_SeriesWithTheWrongNumberOfValues_IsRefused()
    {
        var chart = new GroupedBarChart { Title = "t", YLabel = "y", Groups = ["a", "b"], Series = [new BarSeries("s", [1])] };

        var error = Assert.Throws<ArgumentException>(() => ChartRenderer.RenderPng(chart));

        Assert.Contains("series 's' has 1 values for 2 groups", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RenderPng_BarPanels_DrawEachGroupInItsColourTheBaselineGreyAndTheReferenceLine()
    {
        var chart = new BarPanelChart
        {
            Groups = ["ce", "kd", "reverse-kl"],
            BaselineGroup = "ce",
            Panels =
            [
                new BarPanel { Title = "perplexity", YLabel = "perplexity", Values = new BarSeries("perplexity", [300, 250, 260], [10, 5, 8]), Reference = 180, ReferenceLabel = "teacher 180" },
                new BarPanel { Title = "agreement", YLabel = "%", Values = new BarSeries("agreement", [30, 50, 48]) },
            ],
        };

        var png = ChartRenderer.RenderPng(chart, 800, 400);
        var noReference = ChartRenderer.RenderPng(chart with { Panels = [chart.Panels[0] with { Reference = null, ReferenceLabel = null }, chart.Panels[1]] }, 800, 400);

        Png.AssertImage(png, 800, 400);
        // kd and reverse-kl take the palette's first two colours in both panels; ce is grey.
        Assert.True(Png.CountNear(png, s_blue, 10) > 2000, "kd's bars are not drawn in the first colour");
        Assert.True(Png.CountNear(png, s_orange, 10) > 2000, "reverse-kl's bars are not drawn in the second colour");
        Assert.True(Png.CountNear(png, new SKColor(0x80, 0x80, 0x80), 10) > 2000, "the baseline's bars are not grey");
        Assert.True(Png.CountNear(png, SKColors.Black, 60) > Png.CountNear(noReference, SKColors.Black, 60), "the reference line adds no dark pixels");
    }

    [Fact]
    public void RenderPng_BarPanelWithTheWrongNumberOfValues_IsRefusedNamingThePanel()
    {
        var chart = new BarPanelChart { Groups = ["a", "b"], Panels = [new BarPanel { Title = "p", YLabel = "y", Values = new BarSeries("s", [1]) }] };

        var error = Assert.Throws<ArgumentException>(() => ChartRenderer.RenderPng(chart));

        Assert.Contains("panel 'p' has 1 values for 2 groups", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ChartRenderer.RenderPng(chart with { Panels = [] }));
    }

    [Fact]
    public void LossCurves_Histories_GiveAnObjectiveLineAndAValidationLinePerStage()
    {
        var histories = new[]
        {
            new TrainingHistory { Stage = "ted-teacher-filters", Steps = 2, TrainingSeconds = 1, Tokens = 10, Points = [new(1, 3, 1e-3), new(2, 2.5, 1e-3)] },
            new TrainingHistory { Stage = "distill", Steps = 2, TrainingSeconds = 1, Tokens = 10, Points = [new(1, 4, 1e-3), new(2, 3, 1e-3, 3.2)] },
        };

        var chart = LossCurves.Chart(histories);

        Assert.Equal(["ted-teacher-filters: training objective", "distill: training objective", "distill: validation cross-entropy"], chart.Series.Select(s => s.Name));
        Assert.Equal([2.0], chart.Series[2].X);
        Assert.Equal([3.2], chart.Series[2].Y);
        Assert.True(chart.IntegerX);
    }
}
