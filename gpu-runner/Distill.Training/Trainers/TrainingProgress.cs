namespace Distill.Training.Trainers;

/// <summary>
/// Where training stands after a step: reported every <see cref="TrainerOptions.ProgressEvery"/> steps, after
/// evaluations and checkpoints, and after the last step.
/// </summary>
public sealed record TrainingProgress
{
    /// <summary>Steps done (1-based), over the whole training including earlier sessions.</summary>
    public required long Step { get; init; }

    public required long TotalSteps { get; init; }

    /// <summary>The step's loss: the mean of its micro-batches' losses.</summary>
    public required double Loss { get; init; }

    /// <summary>The learning rate the step used.</summary>
    public required double LearningRate { get; init; }

    /// <summary>The global gradient norm before clipping.</summary>
    public required double GradNorm { get; init; }

    /// <summary>Input tokens (batch × block × accumulation per step) per second of training in this session.</summary>
    public required double TokensPerSecond { get; init; }

    /// <summary>Wall time of this session (training, evaluation and checkpoints).</summary>
    public required TimeSpan Elapsed { get; init; }

    /// <summary>The remaining steps at this session's pace.</summary>
    public required TimeSpan Eta { get; init; }

    /// <summary>The validation loss, when it was computed after this step.</summary>
    public double? ValidationLoss { get; init; }

    /// <summary>The checkpoint saved after this step, if one was.</summary>
    public CheckpointInfo? Checkpoint { get; init; }

    /// <summary>The objective's named loss parts (means over the step's micro-batches).</summary>
    public IReadOnlyDictionary<string, double> Components { get; init; } = new Dictionary<string, double>();
}
