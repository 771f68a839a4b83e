namespace Distill.Contracts.Manifests;

/// <summary><c>evaluation</c>: how the evaluate stage compares the student with the teacher, and the gates it must pass.</summary>
public sealed record EvaluationSection
{
    public const int DefaultBatchSize = 8;

    // Settable, not init-only: see ContractsJsonContext.

    /// <summary>Evaluate only the first this many validation blocks, at least 1. Default: all of them.</summary>
    public long? MaxBlocks { get; set; }

    /// <summary>Blocks per forward pass, at least 1. Default 8.</summary>
    public int BatchSize { get; set; } = DefaultBatchSize;

    /// <summary>Prompts both models continue in the report (greedy), each non-empty. Default: none.</summary>
    public IReadOnlyList<string> Prompts { get; set; } = [];

    /// <summary>What the student must reach to be published. Default: no gates.</summary>
    public EvaluationGates Gates { get; set; } = new();
}
