namespace Distill.Reports.Charts;

/// <summary>A line chart: several named series over a shared x axis, with axis labels and a legend.</summary>
public sealed record LineChart
{
    public required string Title { get; init; }

    public required string XLabel { get; init; }

    public required string YLabel { get; init; }

    /// <summary>Ticks on whole numbers only along x (steps, epochs).</summary>
    public bool IntegerX { get; init; }

    /// <summary>The lines, drawn in order with the palette's colours; points whose x or y is not finite are left out.</summary>
    public required IReadOnlyList<ChartSeries> Series { get; init; }
}
