namespace Distill.Reports.Charts;

/// <summary>One line of a <see cref="LineChart"/>: a name for the legend and its points (x and y of equal length).</summary>
public sealed record ChartSeries
{
    public ChartSeries(string name, IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count != y.Count)
        {
            throw new ArgumentException($"series '{name}' has {x.Count} x values and {y.Count} y values", nameof(y));
        }
        Name = name;
        X = x;
        Y = y;
    }

    public string Name { get; }

    public IReadOnlyList<double> X { get; }

    public IReadOnlyList<double> Y { get; }
}
