namespace Distill.Training.Evaluation;

/// <summary>How far an evaluation pass has got, reported after each batch.</summary>
public readonly record struct EvaluationProgress(long Blocks, long TotalBlocks);
