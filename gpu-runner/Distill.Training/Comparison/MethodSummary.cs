namespace Distill.Training.Comparison;

/// <summary>One method's runs aggregated over the seeds: mean ± sample standard deviation of each metric.</summary>
public sealed record MethodSummary
{
    public required string Method { get; init; }

    /// <summary>How many runs (seeds) the statistics cover.</summary>
    public required int Runs { get; init; }

    public required MeanAndDeviation Perplexity { get; init; }

    public required MeanAndDeviation TopOneAgreement { get; init; }

    public required MeanAndDeviation ForwardKl { get; init; }

    /// <summary>Wall-clock seconds of a run's training (TED's Stage I included).</summary>
    public required MeanAndDeviation Seconds { get; init; }

    /// <summary>CPU seconds of a run's training (<see cref="ComparisonRun.CpuSeconds"/>).</summary>
    public MeanAndDeviation CpuSeconds { get; init; } = new(0, null);

    /// <summary>Optimizer steps of TED's Stage I per run, both models together (0 for other methods).</summary>
    public long StageOneSteps { get; init; }

    /// <summary>Aggregates the runs of one method.</summary>
    /// <exception cref="ArgumentException">There is no run, or the runs are of different methods.</exception>
    public static MethodSummary Of(IReadOnlyList<ComparisonRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0)
        {
            throw new ArgumentException("a summary needs at least one run", nameof(runs));
        }
        var method = runs[0].Method;
        if (runs.Any(r => r.Method != method))
        {
            throw new ArgumentException($"the runs are of several methods ({string.Join(", ", runs.Select(r => r.Method).Distinct())})", nameof(runs));
        }
        return new MethodSummary
        {
            Method = method,
            Runs = runs.Count,
            Perplexity = MeanAndDeviation.Of([.. runs.Select(r => r.Perplexity)]),
            TopOneAgreement = MeanAndDeviation.Of([.. runs.Select(r => r.TopOneAgreement)]),
            ForwardKl = MeanAndDeviation.Of([.. runs.Select(r => r.ForwardKl)]),
            Seconds = MeanAndDeviation.Of([.. runs.Select(r => r.Seconds)]),
            CpuSeconds = MeanAndDeviation.Of([.. runs.Select(r => r.CpuSeconds)]),
            StageOneSteps = runs.Max(r => r.StageOneSteps),
        };
    }
}
