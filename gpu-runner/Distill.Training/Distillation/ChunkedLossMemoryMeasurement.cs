namespace Distill.Training.Distillation;

/// <summary>One configuration of <see cref="ChunkedLossMemoryProbe"/>.</summary>
/// <param name="SequenceLength">Positions per row.</param>
/// <param name="ChunkTokens">The objective's chunk size.</param>
/// <param name="PeakBytes">The step's peak resident memory above the resident memory before it.</param>
/// <param name="LogitsChunkBytes">The size of one fp32 logits chunk, min(chunk, rows × sequence) × V × 4, for comparison.</param>
public sealed record ChunkedLossMemoryMeasurement(int SequenceLength, int ChunkTokens, long PeakBytes, long LogitsChunkBytes);
