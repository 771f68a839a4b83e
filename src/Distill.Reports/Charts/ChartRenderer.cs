using System.Globalization;
using ScottPlot;
using SkiaSharp;

namespace Distill.Reports.Charts;

/// <summary>Draws <see cref="LineChart"/>s, <see cref="GroupedBarChart"/>s and <see cref="BarPanelChart"/>s as PNG images (ScottPlot on SkiaSharp, no display needed).</summary>
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

    /// <summary>
    /// The chart as PNG bytes: its panels side by side, each of an equal share of the width, with a bar per group (the
    /// mean written above it, the error bar as ± its value) and the panel's reference line.
    /// </summary>
    /// <exception cref="ArgumentException">The chart has no group or no panel, or a panel does not have one value per group.</exception>
    public static byte[] RenderPng(BarPanelChart chart, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(chart);
        CheckSize(width, height);
        if (chart.Groups.Count == 0 || chart.Panels.Count == 0)
        {
            throw new ArgumentException("a panel chart needs at least one group and one panel", nameof(chart));
        }
        foreach (var panel in chart.Panels.Where(p => p.Values.Means.Count != chart.Groups.Count))
        {
            throw new ArgumentException($"panel '{panel.Title}' has {panel.Values.Means.Count} values for {chart.Groups.Count} groups", nameof(chart));
        }
        var colors = GroupColors(chart);
        var panelWidth = width / chart.Panels.Count;
        CheckSize(panelWidth, height);

        // Each panel is drawn on its own (a plot paints its background over its whole image), then all side by side.
        using var surface = SKSurface.Create(new SKImageInfo(width, height));
        surface.Canvas.Clear(SKColors.White);
        for (var i = 0; i < chart.Panels.Count; i++)
        {
            var thisWidth = i == chart.Panels.Count - 1 ? width - i * panelWidth : panelWidth;
            var plot = Panel(chart, chart.Panels[i], colors);
            using var bitmap = SKBitmap.Decode(plot.GetImageBytes(thisWidth, height, ImageFormat.Png));
            surface.Canvas.DrawBitmap(bitmap, i * panelWidth, 0);
        }
        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    private static Plot Panel(BarPanelChart chart, BarPanel panel, Color[] colors)
    {
        var plot = new Plot();
        var values = panel.Values;
        var bars = new List<Bar>();
        for (var g = 0; g < chart.Groups.Count; g++)
        {
            if (!double.IsFinite(values.Means[g]))
            {
                continue;
            }
            bars.Add(new Bar
            {
                Position = g,
                Value = values.Means[g],
                Error = values.Errors?[g] ?? 0,
                FillColor = colors[g],
                Label = values.Means[g].ToString(panel.ValueFormat, CultureInfo.InvariantCulture),
            });
        }
        var added = plot.Add.Bars(bars);
        added.ValueLabelStyle.FontSize = 12;
        if (panel.Reference is { } reference && double.IsFinite(reference))
        {
            var line = plot.Add.HorizontalLine(reference);
            line.LinePattern = LinePattern.Dashed;
            line.Color = Colors.Black;
            if (panel.ReferenceLabel is { } label)
            {
                var text = plot.Add.Text(label, chart.Groups.Count - 0.5, reference);
                text.LabelAlignment = Alignment.LowerRight;
                text.LabelFontSize = 12;
                text.LabelBackgroundColor = Colors.White;
            }
        }
        // Long labels break at their hyphens so that several fit under the bars.
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, chart.Groups.Count).Select(g => (double)g)],
            [.. chart.Groups.Select(g => g.Length > 10 ? g.Replace("-", "-\n", StringComparison.Ordinal) : g)]);
        plot.Axes.Margins(bottom: 0, top: 0.15);
        plot.Title(panel.Title, size: 14);
        plot.YLabel(panel.YLabel);
        return plot;
    }

    /// <summary>The baseline group grey; the others the palette's colours in their order (its grey skipped).</summary>
    private static Color[] GroupColors(BarPanelChart chart)
    {
        var palette = new ScottPlot.Palettes.Category10();
        var colors = new Color[chart.Groups.Count];
        var next = 0;
        for (var g = 0; g < chart.Groups.Count; g++)
        {
            if (chart.Groups[g] == chart.BaselineGroup)
            {
                colors[g] = Colors.Gray;
                continue;
            }
            // Category10's eighth colour is grey, kept for the baseline.
            if (next % 10 == 7)
            {
                next++;
            }
            colors[g] = palette.GetColor(next++);
        }
        return colors;
    }

    private static void CheckSize(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 100);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 100);
    }
}
