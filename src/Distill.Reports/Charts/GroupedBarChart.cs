namespace Distill.Reports.Charts;

/// <summary>
/// Bars in groups along the x axis, one bar per series in each group, with error bars: for example one group per
/// distillation method and one series per measure, each bar the mean over seeds with ± its standard deviation.
/// </summary>
public sealed record GroupedBarChart
{
    public required string Title { get; init; }

    public required string YLabel { get; init; }

    /// <summary>The group labels under the x axis, in order.</summary>
    public required IReadOnlyList<string> Groups { get; init; }

    /// <summary>The series; each has one value per group.</summary>
    public required IReadOnlyList<BarSeries> Series { get; init; }
}
