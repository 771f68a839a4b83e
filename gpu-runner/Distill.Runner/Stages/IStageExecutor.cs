namespace Distill.Runner.Stages;

/// <summary>
/// Runs one kind of stage: loads what it needs through the <see cref="StageContext"/>, calls the training code, and
/// uploads what it produced. Executors know nothing of the bus, leases or events; the worker does that around them.
/// </summary>
public interface IStageExecutor
{
    /// <summary>
    /// Runs the stage. A training stage stopped by <paramref name="cancellationToken"/> returns
    /// <see cref="StageResult.Stopped"/> after its checkpoint; other work throws <see cref="OperationCanceledException"/>.
    /// Bad input throws the engine's typed exceptions (<see cref="StageFailures"/> classifies them).
    /// </summary>
    Task<StageResult> RunAsync(StageContext context, CancellationToken cancellationToken);
}
