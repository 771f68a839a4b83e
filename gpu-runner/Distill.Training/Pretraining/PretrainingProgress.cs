using Distill.Training.Trainers;

namespace Distill.Training.Pretraining;

/// <summary>
/// Where a <see cref="PretrainingJob"/> stands: the stage, how much of it is done (input bytes while tokenizing, steps
/// while training), and either a note for the user (a reused tokenizer, a resumed checkpoint) or the trainer's report.
/// </summary>
public sealed record PretrainingProgress
{
    public required PretrainingStage Stage { get; init; }

    public long Done { get; init; }

    public long Total { get; init; }

    /// <summary>A sentence to show the user, e.g. "resuming from the checkpoint of step 120".</summary>
    public string? Message { get; init; }

    /// <summary>The trainer's report, during <see cref="PretrainingStage.Training"/>.</summary>
    public TrainingProgress? Training { get; init; }
}
