using Distill.Torch;

namespace Distill.Training.Distillation;

/// <summary>Consecutive chunks of the flattened [batch × sequence] positions, for the vocabulary-sized terms.</summary>
internal static class PositionChunks
{
    /// <summary>
    /// Calls <paramref name="body"/> with (start, length) for consecutive chunks of <paramref name="chunkTokens"/> rows
    /// out of <paramref name="rows"/>, each in its own tensor scope, so one chunk's logits are freed before the next.
    /// </summary>
    public static void ForEach(long rows, int chunkTokens, Action<long, long> body)
    {
        for (long start = 0; start < rows; start += chunkTokens)
        {
            using (TensorScope.Begin())
            {
                body(start, Math.Min(chunkTokens, rows - start));
            }
        }
    }
}
