using Distill.Training.Trainers;

namespace Distill.Training.Pretraining;

/// <summary>
/// What a <see cref="PretrainingJob"/> did: written as <c>training.json</c> into the model folder when the training
/// completes, and returned either way. Losses are in nats per token; the loss history covers every session.
/// </summary>
public sealed record PretrainingReport
{
    public const string FormatName = "distill-pretraining";
    public const int CurrentVersion = 1;

    public string Format { get; init; } = FormatName;

    public int Version { get; init; } = CurrentVersion;

    /// <summary>The model folder.</summary>
    public required string Folder { get; init; }

    /// <summary>False when cancellation stopped the training (a checkpoint of <see cref="Step"/> was saved; the folder holds no new model).</summary>
    public required bool Completed { get; init; }

    /// <summary>Steps done in total.</summary>
    public required long Step { get; init; }

    public required long TotalSteps { get; init; }

    /// <summary>The checkpoint step this session resumed from, or null when it started from scratch.</summary>
    public long? ResumedFromStep { get; init; }

    public required PretrainingSetup Setup { get; init; }

    /// <summary>Parameter elements (the tied head counted once).</summary>
    public required long Parameters { get; init; }

    /// <summary>The tokenizer's vocabulary (the model's vocab_size).</summary>
    public required int VocabSize { get; init; }

    /// <summary>True when the tokenizer trained by an earlier session was used again.</summary>
    public bool TokenizerReused { get; init; }

    /// <summary>True when the tokenized dataset of an earlier session was used again.</summary>
    public bool DatasetReused { get; init; }

    public required long Documents { get; init; }

    public required long TrainTokens { get; init; }

    public required long ValidationTokens { get; init; }

    public required long TrainBlocks { get; init; }

    public required long ValidationBlocks { get; init; }

    /// <summary>Invalid records left out (with <c>invalid records: skip</c>).</summary>
    public int SkippedRecords { get; init; }

    /// <summary>The training loss of the first step recorded.</summary>
    public double? FirstLoss { get; init; }

    /// <summary>The training loss of the last step.</summary>
    public double? FinalLoss { get; init; }

    /// <summary>The last validation loss computed.</summary>
    public double? ValidationLoss { get; init; }

    /// <summary>Input tokens per second of training, over every session.</summary>
    public required double TokensPerSecond { get; init; }

    /// <summary>Seconds spent in training steps, over every session.</summary>
    public required double TrainingSeconds { get; init; }

    /// <summary>Input tokens trained on, over every session.</summary>
    public required long Tokens { get; init; }

    /// <summary>The loss at every step (and the validation loss where it was computed).</summary>
    public required IReadOnlyList<LossPoint> Losses { get; init; }
}
