namespace Distill.Training.Comparison;

/// <summary>The shape every student of a comparison has, and how it relates to the teacher.</summary>
public sealed record ComparisonStudent
{
    public required int Layers { get; init; }

    public required int HiddenSize { get; init; }

    public required int Heads { get; init; }

    public required int IntermediateSize { get; init; }

    public required long Parameters { get; init; }

    /// <summary>The student's parameters over the teacher's.</summary>
    public required double ParameterRatio { get; init; }

    /// <summary>
    /// Tensors the teacher-layers initialisation copied from the teacher (<see cref="Models.StudentBuilder"/>); the rest
    /// start from the seed. A student of another width copies none.
    /// </summary>
    public required int CopiedTensors { get; init; }

    /// <summary>Why the parts that could have come from the teacher did not (the builder's notes, first seed).</summary>
    public IReadOnlyList<string> InitializationNotes { get; init; } = [];
}
