namespace Distill.Reports.Charts;

/// <summary>
/// One panel of a <see cref="BarPanelChart"/>: a bar per group of the chart (a mean with an optional ± error bar), its
/// own y axis, and optionally a dashed horizontal reference line (for example the teacher's value).
/// </summary>
public sealed record BarPanel
{
    public required string Title { get; init; }

    public required string YLabel { get; init; }

    /// <summary>The bars, one per group of the chart; its name is the measure. A value that is not finite leaves its bar out.</summary>
    public required BarSeries Values { get; init; }

    /// <summary>How each bar's mean is written above it (a .NET numeric format).</summary>
    public string ValueFormat { get; init; } = "F1";

    /// <summary>The y of a dashed reference line across the panel; null for none.</summary>
    public double? Reference { get; init; }

    /// <summary>The reference line's label, written at its right end.</summary>
    public string? ReferenceLabel { get; init; }
}
