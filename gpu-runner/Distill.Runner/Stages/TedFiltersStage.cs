using Distill.Contracts.Stages;
using Distill.Training.Distillation;
using Distill.Training.Models;

namespace Distill.Runner.Stages;

/// <summary>
/// <c>ted-teacher-filters</c> / <c>ted-student-filters</c>: TED's Stage I for one side (the teacher, or the student as
/// built from the teacher before distillation), checkpointed to the stage's blob store; the filters go to the
/// <c>teacher-filters</c> / <c>student-filters</c> artifact with the stage's training history.
/// </summary>
public sealed class TedFiltersStage(ModelRole role) : IStageExecutor
{
    /// <summary>The side whose filters this stage trains.</summary>
    public ModelRole Role { get; } = role;

    /// <summary>The artifact the filters go to.</summary>
    public string ArtifactName => Role == ModelRole.Teacher ? ArtifactNames.TeacherFilters : ArtifactNames.StudentFilters;

    public async Task<StageResult> RunAsync(StageContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var manifest = context.Manifest;
        var (_, teacher) = await StageModels.LoadTeacherAsync(context, cancellationToken).ConfigureAwait(false);
        using (teacher)
        {
            using var dataset = await StageModels.OpenDatasetAsync(context, cancellationToken).ConfigureAwait(false);
            var method = ManifestTraining.Method(manifest);
            var options = ManifestTraining.TrainerOptions(manifest, context.Device);
            using var student = Role == ModelRole.Student ? StageModels.BuildStudent(context, teacher) : null;
            var model = student ?? teacher.Model;
            var counterpart = student is null ? StudentBuilder.CreateConfig(teacher.Model.Config, manifest.Student.ToShape()) : teacher.Model.Config;
            var store = context.CreateCheckpointStore();
            using var result = await DistillationStages.TrainFiltersAsync(Role, model, counterpart, dataset, method, options, store, context.Progress,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!result.Training.Completed)
            {
                return StageResult.Stopped(result.Training.Step);
            }
            var folder = Path.Join(context.WorkFolder, ArtifactName);
            result.SaveArtifact(folder);
            var history = StageModels.History(context.Stage, result.Training, store.LastSaved);
            StageModels.WriteHistory(folder, history);
            var artifact = await context.PublishArtifactAsync(ArtifactName, folder, cancellationToken).ConfigureAwait(false);
            var metrics = StageModels.TrainingMetrics(history);
            metrics["filters"] = result.Layout.FilterCount;
            metrics["filterWidth"] = result.Layout.FilterWidth;
            return StageResult.Done(metrics, new Dictionary<string, string>(StringComparer.Ordinal) { [ArtifactName] = artifact });
        }
    }
}
