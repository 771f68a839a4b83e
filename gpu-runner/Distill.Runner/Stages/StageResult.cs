namespace Distill.Runner.Stages;

/// <summary>How a stage's work ended: done with its metrics and artifacts, or stopped early (the runner is shutting down).</summary>
public sealed record StageResult
{
    private StageResult(bool completed, IReadOnlyDictionary<string, double> metrics, IReadOnlyDictionary<string, string> artifacts, long? stoppedAtStep)
    {
        Completed = completed;
        Metrics = metrics;
        Artifacts = artifacts;
        StoppedAtStep = stoppedAtStep;
    }

    /// <summary>True when the stage did all its work.</summary>
    public bool Completed { get; }

    /// <summary>The stage's numbers for stage.completed.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; }

    /// <summary>What the stage produced, by artifact name: the blob path of each.</summary>
    public IReadOnlyDictionary<string, string> Artifacts { get; }

    /// <summary>The step a training stage stopped (and checkpointed) at, when it did not complete.</summary>
    public long? StoppedAtStep { get; }

    public static StageResult Done(IReadOnlyDictionary<string, double> metrics, IReadOnlyDictionary<string, string> artifacts) =>
        new(true, metrics, artifacts, null);

    public static StageResult Stopped(long step) => new(false, new Dictionary<string, double>(), new Dictionary<string, string>(), step);
}
