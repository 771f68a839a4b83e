using System.Globalization;
using Distill.Contracts.Methods;
using Distill.Reports.Charts;
using Distill.Training.Comparison;

namespace Distill.Cli;

/// <summary>
/// The comparison's chart (<see cref="ChartRenderer"/>): two panels side by side, the held-out perplexity of each method
/// (the teacher's as a dashed line) and its top-1 agreement with the teacher, each bar the mean over the seeds with the
/// sample standard deviation as its error bar; CE (no teacher) in grey.
/// </summary>
internal static class ComparisonChart
{
    public const int Width = 1200;
    public const int Height = 520;

    /// <summary>The chart of <paramref name="report"/>'s summaries.</summary>
    public static BarPanelChart Create(ComparisonReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var c = CultureInfo.InvariantCulture;
        var summaries = report.Summaries;
        var seeds = report.Seeds.Count == 1 ? "1 seed" : string.Create(c, $"mean ± std over {report.Seeds.Count} seeds");
        return new BarPanelChart
        {
            Groups = [.. summaries.Select(s => s.Method)],
            BaselineGroup = MethodNames.Ce,
            Panels =
            [
                new BarPanel
                {
                    Title = $"Held-out perplexity (lower is better; {seeds})",
                    YLabel = "perplexity",
                    Values = new BarSeries("perplexity", [.. summaries.Select(s => s.Perplexity.Mean)], Errors(summaries, s => s.Perplexity, 1)),
                    Reference = report.Teacher.Perplexity,
                    ReferenceLabel = string.Create(c, $"teacher {report.Teacher.Perplexity:F1}"),
                },
                new BarPanel
                {
                    Title = "Top-1 agreement with the teacher, % (higher is better)",
                    YLabel = "agreement %",
                    Values = new BarSeries("agreement", [.. summaries.Select(s => 100 * s.TopOneAgreement.Mean)], Errors(summaries, s => s.TopOneAgreement, 100)),
                },
            ],
        };
    }

    /// <summary>The chart as PNG bytes of <see cref="Width"/> × <see cref="Height"/> pixels.</summary>
    /// <exception cref="ArgumentException">The report has no method.</exception>
    public static byte[] RenderPng(ComparisonReport report) => ChartRenderer.RenderPng(Create(report), Width, Height);

    /// <summary>Each summary's deviation of the metric (scaled), 0 where there is none (one seed) or it is not finite.</summary>
    private static double[] Errors(IReadOnlyList<MethodSummary> summaries, Func<MethodSummary, MeanAndDeviation> metric, double scale) =>
        [.. summaries.Select(s => metric(s).StandardDeviation is { } d && double.IsFinite(d) ? scale * d : 0)];
}
