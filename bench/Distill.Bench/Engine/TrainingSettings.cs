namespace Distill.Bench.Engine;

/// <summary>The optimiser and data settings both sides of the training-step case use.</summary>
public sealed record TrainingSettings
{
    public double LearningRate { get; init; } = 1e-3;

    public double WeightDecay { get; init; } = 0.1;

    public double Beta1 { get; init; } = 0.9;

    public double Beta2 { get; init; } = 0.95;

    public double Eps { get; init; } = 1e-8;

    /// <summary>The global gradient-norm clip.</summary>
    public double Clip { get; init; } = 1.0;

    /// <summary>Distinct batches, drawn before timing and cycled through.</summary>
    public int Batches { get; init; } = 4;

    public int Seed { get; init; } = 1;
}
