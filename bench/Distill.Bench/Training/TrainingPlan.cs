using Distill.Bench.Engine;
using Distill.Contracts.Models;
using Distill.Training.Trainers;

namespace Distill.Bench.Training;

/// <summary>
/// What the training suite measures: the sgemm peak of this run, then a GPT-2 and a Llama at two sizes, the same width,
/// depth, heads, context, batch and vocabulary in both families (the Llama has more parameters: SwiGLU's third matrix
/// and the untied head). The defaults take a few minutes on an idle 2-core machine.
/// </summary>
public sealed record TrainingPlan
{
    /// <summary>The model cases; the sgemm peak is always measured first, since every row's fraction needs it.</summary>
    public static IReadOnlyList<string> CaseNames { get; } = ["gpt2", "llama"];

    public IReadOnlySet<string> Cases { get; init; } = new HashSet<string>(CaseNames, StringComparer.Ordinal);

    /// <summary>The n×n·n×n fp32 product whose best run, on either side, is the peak the steps are compared with.</summary>
    public (int N, int Warmup, int Repeats) Sgemm { get; init; } = (2048, 2, 15);

    public IReadOnlyList<TrainingModel> Models { get; init; } =
    [
        new(ModelFamily.Gpt2, Layers: 2, Hidden: 128, Heads: 4, KeyValueHeads: 4, Intermediate: 512, Context: 128, Batch: 8, Vocab: 4096, Warmup: 3, Repeats: 15),
        new(ModelFamily.Llama, Layers: 2, Hidden: 128, Heads: 4, KeyValueHeads: 2, Intermediate: 352, Context: 128, Batch: 8, Vocab: 4096, Warmup: 3, Repeats: 15),
        new(ModelFamily.Gpt2, Layers: 6, Hidden: 256, Heads: 8, KeyValueHeads: 8, Intermediate: 1024, Context: 128, Batch: 4, Vocab: 8192, Warmup: 2, Repeats: 10),
        new(ModelFamily.Llama, Layers: 6, Hidden: 256, Heads: 8, KeyValueHeads: 4, Intermediate: 704, Context: 128, Batch: 4, Vocab: 8192, Warmup: 2, Repeats: 10),
    ];

    /// <summary>The optimiser and data settings, those of the engine suite's training step.</summary>
    public TrainingSettings Settings { get; init; } = new();

    /// <summary>Positions per chunk of the head and loss on Distill's side: the trainer's default.</summary>
    public int ChunkTokens { get; init; } = LanguageModelingObjective.DefaultChunkTokens;
}
