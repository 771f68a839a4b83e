using Distill.Training.Trainers;

namespace Distill.Runner;

/// <summary>
/// Decides which training progress reports become <c>stage.progress</c> events: the first, then at most one per
/// <paramref name="interval"/> on <paramref name="time"/>'s clock, and always one with a checkpoint (or the last step),
/// which the run state records as the point to resume from.
/// </summary>
public sealed class ProgressThrottle(TimeProvider time, TimeSpan interval)
{
    private long? _lastPublished;

    /// <summary>True when <paramref name="progress"/> should be published; a true answer starts the next interval.</summary>
    public bool ShouldPublish(TrainingProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var now = time.GetTimestamp();
        var due = progress.Checkpoint is not null
            || progress.Step >= progress.TotalSteps
            || _lastPublished is not { } last
            || time.GetElapsedTime(last, now) >= interval;
        if (due)
        {
            _lastPublished = now;
        }
        return due;
    }
}
