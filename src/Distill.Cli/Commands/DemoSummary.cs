namespace Distill.Cli.Commands;

/// <summary>
/// The last line of `distill demo --json` (<c>"type": "demo.summary"</c>): the run's outcome, the teacher and the student
/// side by side, and where the student and the report are. A failed run has its reasons and no student.
/// </summary>
internal sealed record DemoSummary
{
    public string Type { get; init; } = "demo.summary";

    /// <summary>completed or failed.</summary>
    public required string Status { get; init; }

    public required string RunId { get; init; }

    public required string Method { get; init; }

    public required string Store { get; init; }

    /// <summary>Wall time of the whole demo (the teacher's training included when it ran).</summary>
    public required double Seconds { get; init; }

    public DemoModelSummary? Teacher { get; init; }

    public DemoModelSummary? Student { get; init; }

    public double? PerplexityRatio { get; init; }

    public double? SizeRatio { get; init; }

    public double? Speedup { get; init; }

    /// <summary>How often the student's most likely next token is the teacher's.</summary>
    public double? TopOneAgreement { get; init; }

    /// <summary>KL(teacher ‖ student) in nats per token.</summary>
    public double? ForwardKl { get; init; }

    /// <summary>A model that guesses every token with equal odds has this perplexity (the vocabulary's size).</summary>
    public int? UniformPerplexity { get; init; }

    /// <summary>The report's folder (report.md, loss.png, evaluation.json).</summary>
    public string? Report { get; init; }

    public string? FailedStage { get; init; }

    public IReadOnlyList<string>? Reasons { get; init; }
}
