namespace Distill.Contracts.Manifests;

/// <summary>
/// <c>training</c>: how the distill stage (and TED's filter stages) train: AdamW with a linear warmup then a cosine decay
/// to <see cref="MinLearningRate"/>, gradient clipping and accumulation, checkpoints and validation. Defaults follow
/// nanoGPT's GPT-2 recipe where it has one.
/// </summary>
public sealed record TrainingSection
{
    public const long DefaultSteps = 1000;
    public const int DefaultBatchSize = 8;
    public const double DefaultLearningRate = 6e-4;
    public const double DefaultWeightDecay = 0.1;
    public const double DefaultMaxGradNorm = 1.0;
    public const long DefaultCheckpointEvery = 100;

    /// <summary>TED's filter stages train this share of <see cref="Steps"/> when <see cref="FilterSteps"/> is not given.</summary>
    public const double DefaultFilterStepsFraction = 0.1;

    // Settable, not init-only: see ContractsJsonContext.

    /// <summary>Optimizer steps of the distill stage; the cosine decay ends here. At least 1. Default 1000.</summary>
    public long Steps { get; set; } = DefaultSteps;

    /// <summary>Blocks per micro-batch, at least 1. Default 8.</summary>
    public int BatchSize { get; set; } = DefaultBatchSize;

    /// <summary>Micro-batches per optimizer step, at least 1. Default 1.</summary>
    public int GradientAccumulation { get; set; } = 1;

    /// <summary>The peak learning rate, reached at the end of the warmup; &gt; 0. Default 6e-4.</summary>
    public double LearningRate { get; set; } = DefaultLearningRate;

    /// <summary>The floor the cosine decays to, in [0, learningRate]. Default: learningRate / 10.</summary>
    public double? MinLearningRate { get; set; }

    /// <summary>Steps of linear warmup, from 0 to <see cref="Steps"/>. Default 0.</summary>
    public long WarmupSteps { get; set; }

    /// <summary>Decoupled weight decay of matrices and embeddings, ≥ 0. Default 0.1.</summary>
    public double WeightDecay { get; set; } = DefaultWeightDecay;

    /// <summary>The global gradient norm is clipped to this; 0 turns clipping off. Default 1.</summary>
    public double MaxGradNorm { get; set; } = DefaultMaxGradNorm;

    /// <summary>Fixes the data order and dropout. Default 0.</summary>
    public ulong Seed { get; set; }

    /// <summary>A checkpoint (the point a restarted stage resumes from) every this many steps; 0: only at the end. Default 100.</summary>
    public long CheckpointEvery { get; set; } = DefaultCheckpointEvery;

    /// <summary>The validation loss every this many steps; 0: only at the end. Default 0.</summary>
    public long EvaluateEvery { get; set; }

    /// <summary>Where to train. Default <c>auto</c>.</summary>
    public TrainingDevice Device { get; set; } = TrainingDevice.Auto;

    /// <summary>bf16 autocast for the forward passes; takes effect on CUDA only (CPU training stays fp32). Default true.</summary>
    public bool Bf16 { get; set; } = true;

    /// <summary>
    /// TED's Stage I: optimizer steps of each filter stage (teacher, then student), at least 1; only for the <c>ted</c>
    /// method. Default: a tenth of <see cref="Steps"/> (at least 1). The filters' learning rate is
    /// <c>method.ted.stageOneLearningRate</c>.
    /// </summary>
    public long? FilterSteps { get; set; }

    /// <summary><see cref="MinLearningRate"/>, or its default.</summary>
    public double EffectiveMinLearningRate() => MinLearningRate ?? LearningRate / 10;

    /// <summary><see cref="FilterSteps"/>, or its default.</summary>
    public long EffectiveFilterSteps() => FilterSteps ?? Math.Max(1, (long)Math.Ceiling(Steps * DefaultFilterStepsFraction));
}
