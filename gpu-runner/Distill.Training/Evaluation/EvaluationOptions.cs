using Distill.Training.Data;

namespace Distill.Training.Evaluation;

/// <summary>What <see cref="ModelEvaluator"/> evaluates on and how it splits the work.</summary>
public sealed record EvaluationOptions
{
    /// <summary>Blocks per forward pass.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Evaluate only the split's first blocks (in stored order); null for all of them.</summary>
    public long? MaxBlocks { get; init; }

    /// <summary>The split to evaluate on.</summary>
    public DataSplit Split { get; init; } = DataSplit.Validation;

    /// <summary>
    /// Positions whose vocabulary-sized logits are computed at once. The head runs on this many final hidden states
    /// at a time, so the memory for logits is ChunkPositions × V floats per model, whatever the batch and block size.
    /// </summary>
    public int ChunkPositions { get; init; } = 256;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a value out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(ChunkPositions, 1, nameof(ChunkPositions));
        if (MaxBlocks is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBlocks), MaxBlocks, "must not be negative");
        }
    }
}
