namespace Distill.Training.Comparison;

/// <summary>The mean of some values and their sample standard deviation (n − 1 in the denominator; null for one value).</summary>
public sealed record MeanAndDeviation(double Mean, double? StandardDeviation)
{
    /// <summary>The mean and sample standard deviation of <paramref name="values"/> (at least one).</summary>
    /// <exception cref="ArgumentException">There is no value.</exception>
    public static MeanAndDeviation Of(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            throw new ArgumentException("a mean needs at least one value", nameof(values));
        }
        var mean = values.Average();
        if (values.Count == 1)
        {
            return new MeanAndDeviation(mean, null);
        }
        var squares = values.Sum(v => (v - mean) * (v - mean));
        return new MeanAndDeviation(mean, Math.Sqrt(squares / (values.Count - 1)));
    }
}
