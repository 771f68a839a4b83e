namespace Distill.Contracts.Manifests;

/// <summary>A pipeline manifest is invalid; <see cref="Problems"/> lists every problem found, each with its JSON path.</summary>
public sealed class ManifestException : Exception
{
    public ManifestException(string fileName, IReadOnlyList<ManifestProblem> problems)
        : base(Format(fileName, problems))
    {
        FileName = fileName;
        Problems = problems;
    }

    public ManifestException()
        : this(PipelineManifest.FileName, [new ManifestProblem("", "the manifest is invalid")])
    {
    }

    public ManifestException(string message)
        : this(PipelineManifest.FileName, [new ManifestProblem("", message)])
    {
    }

    public ManifestException(string message, Exception innerException)
        : base(message, innerException)
    {
        FileName = PipelineManifest.FileName;
        Problems = [new ManifestProblem("", message)];
    }

    /// <summary>The manifest's file name, as given to <see cref="PipelineManifest.Parse"/>.</summary>
    public string FileName { get; }

    /// <summary>Every problem, section by section in the manifest's order.</summary>
    public IReadOnlyList<ManifestProblem> Problems { get; }

    private static string Format(string fileName, IReadOnlyList<ManifestProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(problems);
        return problems.Count == 1
            ? $"{fileName}: {problems[0]}"
            : $"{fileName}: {problems.Count} problems: " + string.Join("; ", problems);
    }
}
