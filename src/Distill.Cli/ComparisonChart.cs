using System.Globalization;
using Distill.Contracts.Methods;
using Distill.Training.Comparison;
using ScottPlot;
using SkiaSharp;

namespace Distill.Cli;

/// <summary>
/// The comparison's chart as a PNG (ScottPlot on SkiaSharp, no display needed): two panels side by side, the held-out
/// perplexity of each method (the teacher's as a dashed line) and its top-1 agreement with the teacher, each bar the
/// mean over the seeds with the sample standard deviation as its error bar.
/// </summary>
internal static class ComparisonChart
{
    public const int Width = 1200;
    public const int Height = 520;

    private static readonly ScottPlot.Palettes.Category10 s_palette = new();

    /// <summary>The chart as PNG bytes of <see cref="Width"/> × <see cref="Height"/> pixels.</summary>
    /// <exception cref="ArgumentException">The report has no method.</exception>
    public static byte[] RenderPng(ComparisonReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.Summaries.Count == 0)
        {
            throw new ArgumentException("the comparison report has no method to draw", nameof(report));
        }
        var seeds = report.Seeds.Count == 1 ? "1 seed" : string.Create(CultureInfo.InvariantCulture, $"mean ± std over {report.Seeds.Count} seeds");
        var perplexity = Panel(report, s => s.Perplexity, "F1", $"Held-out perplexity (lower is better; {seeds})", "perplexity");
        var teacherLine = perplexity.Add.HorizontalLine(report.Teacher.Perplexity);
        teacherLine.LinePattern = LinePattern.Dashed;
        teacherLine.Color = Colors.Black;
        var teacherLabel = perplexity.Add.Text(string.Create(CultureInfo.InvariantCulture, $"teacher {report.Teacher.Perplexity:F1}"),
            report.Summaries.Count - 0.5, report.Teacher.Perplexity);
        teacherLabel.LabelAlignment = Alignment.LowerRight;
        teacherLabel.LabelFontSize = 12;
        teacherLabel.LabelBackgroundColor = Colors.White;
        var agreement = Panel(report, s => s.TopOneAgreement with { Mean = 100 * s.TopOneAgreement.Mean, StandardDeviation = 100 * s.TopOneAgreement.StandardDeviation },
            "F1", $"Top-1 agreement with the teacher, % (higher is better)", "agreement %");

        // Each panel is drawn on its own (a plot paints its background over the whole canvas), then both side by side.
        using var surface = SKSurface.Create(new SKImageInfo(Width, Height));
        surface.Canvas.Clear(SKColors.White);
        using (var left = SKBitmap.Decode(perplexity.GetImageBytes(Width / 2, Height, ImageFormat.Png)))
        using (var right = SKBitmap.Decode(agreement.GetImageBytes(Width - Width / 2, Height, ImageFormat.Png)))
        {
            surface.Canvas.DrawBitmap(left, 0, 0);
            surface.Canvas.DrawBitmap(right, Width / 2, 0);
        }
        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    /// <summary>One bar per method with its deviation as an error bar and its mean written above it; CE grey, each other method its own colour.</summary>
    private static Plot Panel(ComparisonReport report, Func<MethodSummary, MeanAndDeviation> metric, string format, string title, string axis)
    {
        var plot = new Plot();
        var bars = new List<Bar>();
        for (var i = 0; i < report.Summaries.Count; i++)
        {
            var summary = report.Summaries[i];
            var value = metric(summary);
            bars.Add(new Bar
            {
                Position = i,
                Value = value.Mean,
                Error = value.StandardDeviation ?? 0,
                FillColor = Color(summary.Method),
                Label = value.Mean.ToString(format, CultureInfo.InvariantCulture),
            });
        }
        var added = plot.Add.Bars(bars);
        added.ValueLabelStyle.FontSize = 12;
        // Long names break at their hyphen so that seven of them fit under the bars.
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, report.Summaries.Count).Select(i => (double)i)],
            [.. report.Summaries.Select(s => s.Method.Length > 10 ? s.Method.Replace("-", "-\n", StringComparison.Ordinal) : s.Method)]);
        plot.Axes.Margins(bottom: 0, top: 0.15);
        plot.Title(title, size: 14);
        plot.YLabel(axis);
        return plot;
    }

    /// <summary>The same colour for a method in both panels and every report: CE grey, the others by their place in <see cref="MethodNames.All"/>.</summary>
    private static Color Color(string method)
    {
        // Category10's first six colours for kd … feature-alignment; its eighth is grey, kept for CE.
        var index = MethodNames.All.ToList().IndexOf(method);
        return method == MethodNames.Ce ? Colors.Gray : s_palette.GetColor(index > 0 ? index - 1 : 8);
    }
}
