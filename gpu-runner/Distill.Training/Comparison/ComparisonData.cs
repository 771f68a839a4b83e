namespace Distill.Training.Comparison;

/// <summary>The data of a comparison: the tokenized dataset and the part of its validation split that is evaluated.</summary>
public sealed record ComparisonData
{
    /// <summary>The input files and folders as given.</summary>
    public required IReadOnlyList<string> Inputs { get; init; }

    /// <summary>The dataset folder (tokenized with the teacher's tokenizer).</summary>
    public required string Dataset { get; init; }

    public required int BlockSize { get; init; }

    public required long TrainDocuments { get; init; }

    public required long TrainTokens { get; init; }

    /// <summary>Documents held out by a hash of their text: never trained on, by the students or by a teacher trained on the same inputs.</summary>
    public required long ValidationDocuments { get; init; }

    public required long ValidationTokens { get; init; }

    /// <summary>Validation blocks every model is evaluated on (the split's first ones).</summary>
    public required long EvaluatedBlocks { get; init; }

    /// <summary>Targets counted in every evaluation.</summary>
    public required long EvaluatedTokens { get; init; }
}
