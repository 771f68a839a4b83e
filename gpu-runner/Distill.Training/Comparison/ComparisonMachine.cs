namespace Distill.Training.Comparison;

/// <summary>Where a comparison ran, so its wall-clock times can be read.</summary>
public sealed record ComparisonMachine
{
    public required int ProcessorCount { get; init; }

    /// <summary>libtorch's intra-op threads.</summary>
    public required int TorchThreads { get; init; }

    public required string OperatingSystem { get; init; }

    /// <summary>The one-minute load average when the comparison started (Linux' /proc/loadavg; null elsewhere).</summary>
    public double? LoadAverageAtStart { get; init; }

    /// <summary>The one-minute load average when it finished.</summary>
    public double? LoadAverageAtEnd { get; init; }

    /// <summary>
    /// True when a load average exceeded the cores by more than one: other work shared them, so the wall-clock times
    /// are longer than the comparison alone would take. The comparison itself keeps every core busy (one libtorch
    /// thread, OpenBLAS's threads in the matrix products), so a load average equal to the cores is its own.
    /// </summary>
    public bool WasLoaded => Math.Max(LoadAverageAtStart ?? 0, LoadAverageAtEnd ?? 0) > ProcessorCount + 1;

    /// <summary>The one-minute load average now, from /proc/loadavg; null where it cannot be read.</summary>
    public static double? ReadLoadAverage()
    {
        try
        {
            var text = File.ReadAllText("/proc/loadavg");
            var first = text.Split(' ', 2)[0];
            return double.TryParse(first, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var load) ? load : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>CPU seconds the process spent over the whole comparison (every thread).</summary>
    public double CpuSeconds { get; init; }

    /// <summary>When the comparison finished (UTC).</summary>
    public required DateTimeOffset Finished { get; init; }
}
