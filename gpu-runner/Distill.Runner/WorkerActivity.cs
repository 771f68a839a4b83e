namespace Distill.Runner;

/// <summary>One thing a <see cref="StageWorker"/> did, for a console or a log: a message received, a stage started, progress, or how a message was settled.</summary>
public sealed record WorkerActivity
{
    public required DateTimeOffset Time { get; init; }

    public required WorkerActivityKind Kind { get; init; }

    /// <summary>The bus message id (<c>{runId}:{stage}:{attempt}</c> for a stage command).</summary>
    public required string MessageId { get; init; }

    /// <summary>The run, stage and attempt; null when the message could not be read as a stage command.</summary>
    public string? RunId { get; init; }

    public string? Stage { get; init; }

    public int? Attempt { get; init; }

    /// <summary>How the message was settled (<see cref="WorkerActivityKind.Settled"/> only).</summary>
    public StageOutcome? Outcome { get; init; }

    /// <summary>Steps done and in all (<see cref="WorkerActivityKind.Progress"/>).</summary>
    public long? Step { get; init; }

    public long? TotalSteps { get; init; }

    /// <summary>The numbers published with the event (progress, or the completed stage's metrics).</summary>
    public IReadOnlyDictionary<string, double>? Metrics { get; init; }

    /// <summary>A sentence saying what happened and, for a failure, why.</summary>
    public required string Message { get; init; }
}
