using ScottPlot;

namespace Distill.Reports.Charts;

/// <summary>Draws <see cref="LineChart"/>s and <see cref="GroupedBarChart"/>s as PNG images (ScottPlot on SkiaSharp, no display needed).</summary>
public static class ChartRenderer
{
    public const int DefaultWidth = 900;
    public const int DefaultHeight = 500;

    /// <summary>The chart as PNG bytes of <paramref name="width"/> × <paramref name="height"/> pixels.</summary>
    /// <exception cref="ArgumentException">The chart has no series, or no series has a finite point.</exception>
    public static byte[] RenderPng(LineChart chart, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(chart);
        CheckSize(width, height);
        if (chart.Series.Count == 0)
        {
            throw new ArgumentException($"the chart '{chart.Title}' has no series", nameof(chart));
        }
        var plot = new Plot();
        var drawn = 0;
        foreach (var series in chart.Series)
        {
            var points = Enumerable.Range(0, series.X.Count)
                .Where(i => double.IsFinite(series.X[i]) && double.IsFinite(series.Y[i]))
                .ToArray();
            if (points.Length == 0)
            {
                continue;
            }
            var scatter = plot.Add.Scatter(points.Select(i => series.X[i]).ToArray(), points.Select(i => series.Y[i]).ToArray());
            scatter.LegendText = series.Name;
            scatter.LineWidth = 2;
            // A lone point (one validation loss) needs a marker to be seen; a curve reads better without them.
            scatter.MarkerSize = points.Length == 1 ? 8 : points.Length <= 20 ? 5 : 0;
            drawn++;
        }
        if (drawn == 0)
        {
            throw new ArgumentException($"the chart '{chart.Title}' has no finite point to draw", nameof(chart));
        }
        if (chart.IntegerX)
        {
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        }
        plot.Title(chart.Title);
        plot.XLabel(chart.XLabel);
        plot.YLabel(chart.YLabel);
        plot.ShowLegend(Alignment.UpperRight);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    /// <summary>The chart as PNG bytes: groups along the x axis, series side by side within each, a legend of the series.</summary>
    /// <exception cref="ArgumentException">The chart has no group or no series, or a series does not have one value per group.</exception>
    public static byte[] RenderPng(GroupedBarChart chart, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(chart);
        CheckSize(width, height);
        if (chart.Groups.Count == 0 || chart.Series.Count == 0)
        {
            throw new ArgumentException($"the chart '{chart.Title}' needs at least one group and one series", nameof(chart));
        }
        foreach (var series in chart.Series.Where(s => s.Means.Count != chart.Groups.Count))
        {
            throw new ArgumentException($"series '{series.Name}' has {series.Means.Count} values for {chart.Groups.Count} groups", nameof(chart));
        }
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        // Each group takes one unit on the x axis; its bars share 80% of it.
        var barWidth = 0.8 / chart.Series.Count;
        var bars = new List<Bar>();
        for (var s = 0; s < chart.Series.Count; s++)
        {
            var series = chart.Series[s];
            var color = palette.GetColor(s);
            for (var g = 0; g < chart.Groups.Count; g++)
            {
                if (!double.IsFinite(series.Means[g]))
                {
                    continue;
                }
                bars.Add(new Bar
                {
                    Position = g + (s - (chart.Series.Count - 1) / 2.0) * barWidth,
                    Value = series.Means[g],
                    Error = series.Errors?[g] ?? 0,
                    Size = barWidth * 0.9,
                    FillColor = color,
                });
            }
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = series.Name, FillColor = color });
        }
        plot.Add.Bars(bars);
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, chart.Groups.Count).Select(g => (double)g)], [.. chart.Groups]);
        plot.Axes.Margins(bottom: 0);
        plot.Title(chart.Title);
        plot.YLabel(chart.YLabel);
        plot.ShowLegend(Alignment.UpperRight);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    private static void CheckSize(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 100);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 100);
    }
}
