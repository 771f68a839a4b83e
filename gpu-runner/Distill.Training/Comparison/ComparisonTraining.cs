namespace Distill.Training.Comparison;

/// <summary>The training every run of a comparison shares (TED's Stage I comes on top, with its own steps).</summary>
public sealed record ComparisonTraining
{
    public required long Steps { get; init; }

    public required int BatchSize { get; init; }

    public required int GradientAccumulation { get; init; }

    public required double LearningRate { get; init; }

    public required double MinLearningRate { get; init; }

    public required long WarmupSteps { get; init; }

    public required double WeightDecay { get; init; }

    /// <summary>Input tokens each run trains on: steps × batch × accumulation × block size.</summary>
    public required long TokensPerRun { get; init; }

    /// <summary>The device the runs trained on.</summary>
    public required string Device { get; init; }
}
