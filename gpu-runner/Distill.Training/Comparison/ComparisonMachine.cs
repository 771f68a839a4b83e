namespace Distill.Training.Comparison;

/// <summary>Where a comparison ran, so its wall-clock times can be read.</summary>
public sealed record ComparisonMachine
{
    public required int ProcessorCount { get; init; }

    /// <summary>libtorch's intra-op threads.</summary>
    public required int TorchThreads { get; init; }

    public required string OperatingSystem { get; init; }

    /// <summary>When the comparison finished (UTC).</summary>
    public required DateTimeOffset Finished { get; init; }
}
