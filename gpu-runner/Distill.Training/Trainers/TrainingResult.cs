namespace Distill.Training.Trainers;

/// <summary>How a call to <see cref="Trainer.RunAsync"/> ended.</summary>
public sealed record TrainingResult
{
    /// <summary>Steps done in total (equals <see cref="TotalSteps"/> when <see cref="Completed"/>).</summary>
    public required long Step { get; init; }

    public required long TotalSteps { get; init; }

    /// <summary>False when cancellation stopped training early (after a checkpoint of <see cref="Step"/>).</summary>
    public required bool Completed { get; init; }

    /// <summary>The checkpoint step this session resumed from, or null when it started from scratch.</summary>
    public long? ResumedFromStep { get; init; }

    /// <summary>The loss curve of the whole training (earlier sessions included), one point per progress report.</summary>
    public required IReadOnlyList<LossPoint> Losses { get; init; }

    /// <summary>The last validation loss computed, if any.</summary>
    public double? ValidationLoss { get; init; }

    /// <summary>The newest checkpoint this session saved, if any.</summary>
    public CheckpointInfo? Checkpoint { get; init; }

    /// <summary>Wall time of this session.</summary>
    public required TimeSpan Elapsed { get; init; }

    /// <summary>Input tokens per second of training in this session (0 when no step ran).</summary>
    public required double TokensPerSecond { get; init; }
}
