namespace Distill.Training.Pretraining;

/// <summary>
/// The output folder cannot take this training: it holds files of something else, or an earlier training with other
/// settings (<see cref="Differences"/> names each).
/// </summary>
public sealed class PretrainingFolderException : Exception
{
    public PretrainingFolderException()
    {
        Differences = [];
    }

    public PretrainingFolderException(string message)
        : base(message)
    {
        Differences = [];
    }

    public PretrainingFolderException(string message, Exception innerException)
        : base(message, innerException)
    {
        Differences = [];
    }

    public PretrainingFolderException(string message, IReadOnlyList<string> differences)
        : base(message)
    {
        Differences = differences ?? [];
    }

    /// <summary>Each setting that differs from the earlier training's, e.g. "layers: 2 (the earlier training: 4)".</summary>
    public IReadOnlyList<string> Differences { get; }
}
