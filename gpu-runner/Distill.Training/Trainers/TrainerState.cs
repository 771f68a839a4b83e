using Distill.Training.Data;

namespace Distill.Training.Trainers;

/// <summary>
/// <c>trainer-state.json</c> of a checkpoint: everything besides the tensors that resuming needs (step, optimizer
/// step count, data cursor, random-generator states) and what identifies the training (options and their hash,
/// objective, modules, dataset).
/// </summary>
public sealed record TrainerState
{
    public const string FormatName = "distill-trainer-state";
    public const int CurrentVersion = 1;

    public string Format { get; init; } = FormatName;

    public int Version { get; init; } = CurrentVersion;

    /// <summary>Steps done.</summary>
    public required long Step { get; init; }

    public required long OptimizerStepCount { get; init; }

    /// <summary>Where the training sampler continues.</summary>
    public required DataCursor DataCursor { get; init; }

    public required RandomStates Random { get; init; }

    /// <summary>The <see cref="ITrainingObjective.Name"/> that wrote the checkpoint.</summary>
    public required string Objective { get; init; }

    /// <summary>The trainable modules' prefixes, in order.</summary>
    public required IReadOnlyList<string> Modules { get; init; }

    /// <summary>The dataset's key (<see cref="TokenDatasetIndex.Key"/>).</summary>
    public required string DatasetKey { get; init; }

    public required TrainerOptions Options { get; init; }

    /// <summary><see cref="TrainerOptions.ResultHash"/> of <see cref="Options"/>.</summary>
    public required string OptionsHash { get; init; }

    public IReadOnlyList<LossPoint> Losses { get; init; } = [];

    /// <summary>When the training began (its first session).</summary>
    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset SavedAt { get; init; }

    /// <summary>Seconds spent in training steps over all sessions.</summary>
    public double TrainingSeconds { get; init; }

    /// <summary>Input tokens trained on over all sessions.</summary>
    public long Tokens { get; init; }
}
