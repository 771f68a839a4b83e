namespace Distill.Training.Data;

/// <summary>The input data cannot be used; <see cref="Problems"/> lists every problem found, each with file and line.</summary>
public sealed class DataFormatException : Exception
{
    public DataFormatException()
        : this([])
    {
    }

    public DataFormatException(string message)
        : base(message)
    {
        Problems = [];
    }

    public DataFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [];
    }

    public DataFormatException(IReadOnlyList<DataProblem> problems)
        : base(Describe(problems))
    {
        Problems = problems;
    }

    public IReadOnlyList<DataProblem> Problems { get; }

    private static string Describe(IReadOnlyList<DataProblem> problems) =>
        problems.Count == 0
            ? "the data is not usable"
            : $"{problems.Count} problem(s) in the data: " + string.Join("; ", problems.Take(20)) + (problems.Count > 20 ? $"; and {problems.Count - 20} more" : "");
}
