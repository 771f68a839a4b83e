namespace Distill.Training.Comparison;

/// <summary>The teacher of a comparison: its shape and its own perplexity on the evaluated validation blocks.</summary>
public sealed record ComparisonTeacher
{
    /// <summary>The teacher folder (full path).</summary>
    public required string Folder { get; init; }

    public required string ModelType { get; init; }

    public required int Layers { get; init; }

    public required int HiddenSize { get; init; }

    public required int Heads { get; init; }

    public required long Parameters { get; init; }

    public required int VocabSize { get; init; }

    /// <summary>The teacher's perplexity on the blocks the students are evaluated on.</summary>
    public required double Perplexity { get; init; }

    public required double MeanLoss { get; init; }

    /// <summary>
    /// Seconds of the teacher's training steps (every session), from the folder's <c>training.json</c> when
    /// <c>distill train-teacher</c> wrote it; null for a teacher from elsewhere.
    /// </summary>
    public double? TrainingSeconds { get; init; }

    /// <summary>The teacher's training steps, from its <c>training.json</c>; null without one.</summary>
    public long? TrainingSteps { get; init; }
}
