namespace Distill.Training.Distillation;

/// <summary>
/// The models and grid of <see cref="ChunkedLossMemoryProbe"/>. The defaults make the vocabulary the dominant term, as
/// in real models: GPT-2's vocabulary, narrow one-layer, one-head models (the attention map, which grows with the square
/// of the sequence, stays small), sequences of 256 and 1024, chunks of 64 and 256 positions.
/// </summary>
public sealed record ChunkedLossMemoryProbeOptions
{
    public int VocabSize { get; init; } = 50257;

    public int StudentHiddenSize { get; init; } = 64;

    public int TeacherHiddenSize { get; init; } = 128;

    public int Layers { get; init; } = 1;

    public int Heads { get; init; } = 1;

    public int BatchSize { get; init; } = 1;

    public IReadOnlyList<int> SequenceLengths { get; init; } = [256, 1024];

    public IReadOnlyList<int> ChunkTokens { get; init; } = [64, 256];

    /// <summary>Measured steps per configuration (after one unmeasured step); the smallest peak is reported.</summary>
    public int Repeats { get; init; } = 2;

    public ulong Seed { get; init; } = 1;

    internal void Validate()
    {
        var problems = new List<string>();
        if (VocabSize < 2 || StudentHiddenSize < 1 || TeacherHiddenSize < 1 || Layers < 1 || Heads < 1 || BatchSize < 1 || Repeats < 1)
        {
            problems.Add("sizes, layers, heads, batch and repeats must be positive (the vocabulary at least 2)");
        }
        if (StudentHiddenSize % Math.Max(1, Heads) != 0 || TeacherHiddenSize % Math.Max(1, Heads) != 0)
        {
            problems.Add("the hidden sizes must be multiples of the heads");
        }
        if (SequenceLengths is not { Count: > 0 } || SequenceLengths.Any(l => l < 2))
        {
            problems.Add("at least one sequence length, each at least 2");
        }
        if (ChunkTokens is not { Count: > 0 } || ChunkTokens.Any(c => c < 1))
        {
            problems.Add("at least one chunk size, each at least 1");
        }
        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid memory probe options: " + string.Join("; ", problems));
        }
    }
}
