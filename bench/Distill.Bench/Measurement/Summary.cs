namespace Distill.Bench.Measurement;

/// <summary>The median of a set of timed runs and its spread (extremes and quartiles, interpolated linearly).</summary>
public sealed record Summary(double Median, double Min, double Max, double Q1, double Q3, int Runs)
{
    public static Summary Of(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            throw new ArgumentException("a summary needs at least one value", nameof(values));
        }
        return new Summary(Quantile(sorted, 0.5), sorted[0], sorted[^1], Quantile(sorted, 0.25), Quantile(sorted, 0.75), sorted.Length);
    }

    private static double Quantile(double[] sorted, double q)
    {
        var position = q * (sorted.Length - 1);
        var low = (int)Math.Floor(position);
        var high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + (position - low) * (sorted[high] - sorted[low]);
    }
}
