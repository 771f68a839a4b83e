namespace Distill.Reports.Charts;

/// <summary>
/// One colour of a <see cref="GroupedBarChart"/>: a bar in every group with its height (a mean) and, optionally, an
/// error bar (a standard deviation) drawn as ± that value.
/// </summary>
public sealed record BarSeries
{
    public BarSeries(string name, IReadOnlyList<double> means, IReadOnlyList<double>? errors = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(means);
        if (errors is not null && errors.Count != means.Count)
        {
            throw new ArgumentException($"series '{name}' has {means.Count} means and {errors.Count} errors", nameof(errors));
        }
        if (errors is not null && errors.Any(e => !double.IsFinite(e) || e < 0))
        {
            throw new ArgumentException($"series '{name}': an error bar must be a finite value ≥ 0", nameof(errors));
        }
        Name = name;
        Means = means;
        Errors = errors;
    }

    public string Name { get; }

    /// <summary>The bar heights, one per group of the chart; a value that is not finite leaves its bar out.</summary>
    public IReadOnlyList<double> Means { get; }

    /// <summary>The error bars (± this), one per group; null for none.</summary>
    public IReadOnlyList<double>? Errors { get; }
}
