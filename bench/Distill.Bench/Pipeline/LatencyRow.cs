namespace Distill.Bench.Pipeline;

/// <summary>
/// The delay from an event being published to the next stage's runner starting, over every sample of one kind of
/// hand-off (or all of them), in milliseconds.
/// </summary>
public sealed record LatencyRow(string Name, int Samples, double MedianMs, double P95Ms, double MinMs, double MaxMs)
{
    public static LatencyRow Of(string name, IReadOnlyCollection<double> milliseconds)
    {
        ArgumentNullException.ThrowIfNull(milliseconds);
        if (milliseconds.Count == 0)
        {
            throw new ArgumentException($"latency '{name}' has no samples", nameof(milliseconds));
        }
        var sorted = milliseconds.Order().ToArray();
        return new LatencyRow(name, sorted.Length, Percentile(sorted, 0.5), Percentile(sorted, 0.95), sorted[0], sorted[^1]);
    }

    /// <summary>The <paramref name="q"/> quantile of sorted values, interpolated linearly between neighbours.</summary>
    public static double Percentile(double[] sorted, double q)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        var position = q * (sorted.Length - 1);
        var low = (int)Math.Floor(position);
        var high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + (position - low) * (sorted[high] - sorted[low]);
    }
}
