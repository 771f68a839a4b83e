namespace Distill.Pipeline.Uploads;

/// <summary>A run folder cannot be submitted; <see cref="Problems"/> lists every problem, each naming its file or folder.</summary>
public sealed class UploadFolderException : Exception
{
    public UploadFolderException(IReadOnlyList<string> problems)
        : base(Format(problems))
    {
        Problems = problems;
    }

    public UploadFolderException()
        : this(["the run folder cannot be submitted"])
    {
    }

    public UploadFolderException(string message)
        : this([message])
    {
    }

    public UploadFolderException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [message];
    }

    /// <summary>Every problem, each naming the file or folder it is about.</summary>
    public IReadOnlyList<string> Problems { get; }

    private static string Format(IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        return problems.Count == 1 ? problems[0] : $"{problems.Count} problems: {string.Join("; ", problems)}";
    }
}
