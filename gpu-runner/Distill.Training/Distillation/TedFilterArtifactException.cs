namespace Distill.Training.Distillation;

/// <summary>
/// A TED filters artifact that cannot be read or does not fit the models and method at hand. The message names the file
/// and lists every problem.
/// </summary>
public sealed class TedFilterArtifactException : Exception
{
    public TedFilterArtifactException()
    {
        FilePath = "";
        Problems = [];
    }

    public TedFilterArtifactException(string message)
        : base(message)
    {
        FilePath = "";
        Problems = [message];
    }

    public TedFilterArtifactException(string message, Exception innerException)
        : base(message, innerException)
    {
        FilePath = "";
        Problems = [message];
    }

    /// <summary>Problems with the artifact file at <paramref name="filePath"/>.</summary>
    public TedFilterArtifactException(string filePath, IReadOnlyList<string> problems, Exception? innerException = null)
        : base(Describe(filePath, problems), innerException)
    {
        FilePath = filePath;
        Problems = problems;
    }

    /// <summary>The file (description or weights) the problems are about.</summary>
    public string FilePath { get; }

    public IReadOnlyList<string> Problems { get; }

    private static string Describe(string filePath, IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        return problems.Count == 1 ? $"{filePath}: {problems[0]}" : $"{filePath}: {problems.Count} problems: {string.Join("; ", problems)}";
    }
}
