namespace Distill.Runner;

/// <summary>The stage a worker is on: run, stage, attempt and the message that asked for it.</summary>
internal sealed record StageScope(string RunId, string Stage, int Attempt, string MessageId)
{
    public WorkerActivity Activity(TimeProvider time, WorkerActivityKind kind, string message, StageOutcome? outcome = null) => new()
    {
        Time = time.GetUtcNow(),
        Kind = kind,
        MessageId = MessageId,
        RunId = RunId,
        Stage = Stage,
        Attempt = Attempt,
        Outcome = outcome,
        Message = message,
    };
}
