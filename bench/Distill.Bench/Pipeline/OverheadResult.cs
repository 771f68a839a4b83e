using Distill.Bench.Reporting;

namespace Distill.Bench.Pipeline;

/// <summary>
/// The pipeline's share of a demo-like run: wall time from the upload notification to distill.pipeline.completed, minus
/// the time spent inside the stage executors (loading, tokenizing, training, evaluating, and the checkpoints and
/// artifacts they write).
/// </summary>
public sealed record OverheadResult
{
    public required double UploadSeconds { get; init; }

    /// <summary>From the upload notification being sent to distill.pipeline.completed's time.</summary>
    public required double WallSeconds { get; init; }

    /// <summary>The sum of the executors' own time (a Stopwatch around each <c>IStageExecutor.RunAsync</c>).</summary>
    public required double ExecutorSeconds { get; init; }

    /// <summary>Of the executors' time, the training stage's trainer steps (the trainer's own <c>trainingSeconds</c>).</summary>
    public required double TrainingSeconds { get; init; }

    /// <summary>From evaluate's stage.completed to distill.pipeline.completed: the gates and the student's publication.</summary>
    public required double FinishSeconds { get; init; }

    public required IReadOnlyList<StageTiming> Stages { get; init; }

    public required long TrainingSteps { get; init; }

    public required long TeacherParameters { get; init; }

    public required long StudentParameters { get; init; }

    public required Goal Goal { get; init; }

    public double OverheadSeconds => WallSeconds - ExecutorSeconds;

    public double Share => OverheadSeconds / WallSeconds;

    public bool GoalMet => Goal.IsMetBy(Share);
}
