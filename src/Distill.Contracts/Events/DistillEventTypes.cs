namespace Distill.Contracts.Events;

/// <summary>The CloudEvents <c>type</c> of every event Distill publishes.</summary>
public static class DistillEventTypes
{
    /// <summary>A manifest was read and its run created (<see cref="RunAccepted"/>).</summary>
    public const string RunAccepted = "distill.run.accepted";

    /// <summary>A runner started (or resumed) a stage (<see cref="Events.StageStarted"/>).</summary>
    public const string StageStarted = "distill.stage.started";

    /// <summary>A stage's training progress, throttled (<see cref="StageProgressed"/>).</summary>
    public const string StageProgress = "distill.stage.progress";

    /// <summary>A stage finished and wrote its artifacts (<see cref="Events.StageCompleted"/>).</summary>
    public const string StageCompleted = "distill.stage.completed";

    /// <summary>A stage failed; the run fails with it (<see cref="Events.StageFailed"/>).</summary>
    public const string StageFailed = "distill.stage.failed";

    /// <summary>The student passed the gates and was published (<see cref="Events.PipelineCompleted"/>).</summary>
    public const string PipelineCompleted = "distill.pipeline.completed";

    /// <summary>The run failed, with every reason (<see cref="Events.PipelineFailed"/>).</summary>
    public const string PipelineFailed = "distill.pipeline.failed";

    /// <summary>Every type, in the order a run emits them.</summary>
    public static IReadOnlyList<string> All { get; } =
        [RunAccepted, StageStarted, StageProgress, StageCompleted, StageFailed, PipelineCompleted, PipelineFailed];

    public static bool IsKnown(string? type) => type is not null && All.Contains(type);
}
