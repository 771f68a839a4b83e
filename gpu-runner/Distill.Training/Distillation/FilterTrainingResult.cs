using Distill.Training.Trainers;

namespace Distill.Training.Distillation;

/// <summary>
/// What TED's Stage I produced for one model: the trainer's result and the filters (Stage I's heads are dropped).
/// Save them with <see cref="SaveArtifact"/> once <see cref="TrainingResult.Completed"/>; disposing frees the filters.
/// </summary>
public sealed class FilterTrainingResult(TrainingResult training, TedFilterLayout layout, TaskAwareFilterSet filters) : IDisposable
{
    public TrainingResult Training { get; } = training;

    public TedFilterLayout Layout { get; } = layout;

    public TaskAwareFilterSet Filters { get; } = filters;

    /// <summary>Writes the filters artifact (<see cref="TedFilterArtifact.Save"/>) into <paramref name="folder"/>.</summary>
    /// <exception cref="InvalidOperationException">Training stopped before its last step.</exception>
    public void SaveArtifact(string folder)
    {
        if (!Training.Completed)
        {
            throw new InvalidOperationException($"Stage I stopped at step {Training.Step} of {Training.TotalSteps}: resume it before saving its filters");
        }
        TedFilterArtifact.Save(folder, Layout, Filters, Training.Step);
    }

    public void Dispose() => Filters.Dispose();
}
