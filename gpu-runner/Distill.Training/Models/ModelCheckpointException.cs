namespace Distill.Training.Models;

/// <summary>
/// A checkpoint whose tensors do not fit the model its config.json describes (missing, unexpected or mis-shaped
/// tensors), or that cannot be saved or loaded as asked. <see cref="Problems"/> lists every tensor problem at once.
/// </summary>
public sealed class ModelCheckpointException : Exception
{
    public ModelCheckpointException()
    {
        FilePath = "";
        Problems = [];
    }

    public ModelCheckpointException(string message)
        : base(message)
    {
        FilePath = "";
        Problems = [];
    }

    public ModelCheckpointException(string message, Exception innerException)
        : base(message, innerException)
    {
        FilePath = "";
        Problems = [];
    }

    /// <summary>A problem with the checkpoint at <paramref name="filePath"/> (a weights file, an index or a folder).</summary>
    public ModelCheckpointException(string filePath, string message, IReadOnlyList<ModelCheckpointProblem>? problems = null)
        : base(Describe(filePath, message, problems ?? []))
    {
        FilePath = filePath;
        Problems = problems ?? [];
    }

    /// <summary>The weights file (or index, or folder) the error is about.</summary>
    public string FilePath { get; }

    /// <summary>Every tensor problem found, each naming its file and tensor.</summary>
    public IReadOnlyList<ModelCheckpointProblem> Problems { get; }

    private static string Describe(string filePath, string message, IReadOnlyList<ModelCheckpointProblem> problems) =>
        problems.Count == 0
            ? $"{filePath}: {message}"
            : $"{filePath}: {message} ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}):" + string.Concat(problems.Select(p => Environment.NewLine + "  " + p));
}
