namespace Distill.Cli.Commands;

/// <summary>
/// One line of `distill demo --json` that is not a pipeline event: <c>demo.note</c> (a message), <c>demo.teacher.progress</c>
/// (the teacher's training), <c>demo.teacher.ready</c> (the teacher to distil, trained now or earlier) or
/// <c>demo.submitted</c> (the run id). The pipeline's events are printed as CloudEvents between them, and
/// <see cref="DemoSummary"/> ends the output.
/// </summary>
internal sealed record DemoLine(string Type)
{
    public string? Message { get; init; }

    public string? RunId { get; init; }

    public string? Folder { get; init; }

    public bool? Reused { get; init; }

    public long? Parameters { get; init; }

    public long? Step { get; init; }

    public long? TotalSteps { get; init; }

    public double? Loss { get; init; }

    public double? ValidationLoss { get; init; }

    public double? TokensPerSecond { get; init; }

    public int? Files { get; init; }

    public long? Bytes { get; init; }
}
