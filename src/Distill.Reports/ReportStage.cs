namespace Distill.Reports;

/// <summary>One stage of the run in the report: when and where it ran, and for a training stage its steps, loss and speed.</summary>
public sealed record ReportStage
{
    public required string Name { get; init; }

    /// <summary>The stage's status as state.json has it (pending, queued, running, completed, failed).</summary>
    public required string Status { get; init; }

    public string? Runner { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>The training history of a training stage; null for prepare and evaluate.</summary>
    public TrainingHistory? Training { get; init; }
}
