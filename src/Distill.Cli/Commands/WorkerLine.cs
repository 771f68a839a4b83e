namespace Distill.Cli.Commands;

/// <summary>One line of `distill worker --json`: what the worker did (a <see cref="Distill.Runner.WorkerActivity"/>).</summary>
/// <param name="Kind">received, started, progress, or how the message was settled: completed, duplicate, failed, busy, transient, fenced, interrupted, rejected.</param>
internal sealed record WorkerLine(
    DateTimeOffset Time,
    string Kind,
    string MessageId,
    string? RunId,
    string? Stage,
    int? Attempt,
    long? Step,
    long? TotalSteps,
    IReadOnlyDictionary<string, double>? Metrics,
    string Message);
