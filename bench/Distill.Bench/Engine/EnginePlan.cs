namespace Distill.Bench.Engine;

/// <summary>
/// What the engine suite measures and how often. The defaults take about a minute on an idle 2-core machine, each
/// side warming up for at least a second per case (the larger training step takes a few hundred milliseconds).
/// </summary>
public sealed record EnginePlan
{
    /// <summary>The case names, in the order they run.</summary>
    public static IReadOnlyList<string> CaseNames { get; } = ["sgemm", "chain", "train"];

    /// <summary>The cases to run (all by default).</summary>
    public IReadOnlySet<string> Cases { get; init; } = new HashSet<string>(CaseNames, StringComparer.Ordinal);

    /// <summary>Square matrix sizes n for the n×n·n×n fp32 product.</summary>
    public IReadOnlyList<(int N, int Warmup, int Repeats)> Sgemm { get; init; } = [(1024, 3, 15), (2048, 2, 9)];

    /// <summary>Elements of each tensor in the op chain: small, so per-op overhead is all there is to measure.</summary>
    public int ChainElements { get; init; } = 16;

    /// <summary>Chains per timed run (each chain runs <see cref="OpChain.Ops"/>.Count ops).</summary>
    public int ChainIterations { get; init; } = 2000;

    public int ChainWarmup { get; init; } = 2;

    public int ChainRepeats { get; init; } = 15;

    public IReadOnlyList<TrainingSize> Training { get; init; } =
    [
        new(Layers: 2, Hidden: 128, Heads: 4, Context: 64, Batch: 16, Vocab: 256, Warmup: 3, Repeats: 20),
        new(Layers: 2, Hidden: 256, Heads: 8, Context: 128, Batch: 8, Vocab: 4096, Warmup: 2, Repeats: 12),
    ];

    public TrainingSettings TrainingSettings { get; init; } = new();
}
