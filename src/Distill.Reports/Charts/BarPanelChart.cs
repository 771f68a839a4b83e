namespace Distill.Reports.Charts;

/// <summary>
/// Bar charts side by side that share their groups: for example one group per distillation method and one panel per
/// measure (perplexity, agreement), each on its own scale. A group has the same colour in every panel.
/// </summary>
public sealed record BarPanelChart
{
    /// <summary>The group labels under each panel's x axis, in order.</summary>
    public required IReadOnlyList<string> Groups { get; init; }

    /// <summary>The group drawn in grey, as the baseline the others are read against; null for none.</summary>
    public string? BaselineGroup { get; init; }

    /// <summary>The panels, left to right; each has one value per group.</summary>
    public required IReadOnlyList<BarPanel> Panels { get; init; }
}
