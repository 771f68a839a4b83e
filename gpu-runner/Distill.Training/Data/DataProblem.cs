namespace Distill.Training.Data;

/// <summary>One problem found in the input data: the file, the 1-based line (0 when the whole file), and what is wrong.</summary>
public sealed record DataProblem(string File, long Line, string Message)
{
    public override string ToString() => Line > 0 ? $"{File}:{Line}: {Message}" : $"{File}: {Message}";
}
