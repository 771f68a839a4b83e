using Distill.Contracts.Methods;
using Distill.Contracts.Stages;
using Distill.Training.Distillation;
using Distill.Training.Models;

namespace Distill.Runner.Stages;

/// <summary>
/// <c>distill</c>: trains the student (built from the teacher as the manifest says) against the teacher with the
/// manifest's method (TED with both sides' Stage I filters), checkpointed to the stage's blob store, then saves it in the
/// Hugging Face layout with the teacher's tokenizer files and its training history as the <c>student</c> artifact.
/// </summary>
public sealed class DistillStage : IStageExecutor
{
    public async Task<StageResult> RunAsync(StageContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var manifest = context.Manifest;
        var (teacherFolder, teacher) = await StageModels.LoadTeacherAsync(context, cancellationToken).ConfigureAwait(false);
        using (teacher)
        {
            using var dataset = await StageModels.OpenDatasetAsync(context, cancellationToken).ConfigureAwait(false);
            var method = ManifestTraining.Method(manifest);
            var options = ManifestTraining.TrainerOptions(manifest, context.Device);
            using var student = StageModels.BuildStudent(context, teacher);
            TaskAwareFilterSet? teacherFilters = null;
            TaskAwareFilterSet? studentFilters = null;
            try
            {
                if (method.Name == MethodNames.Ted)
                {
                    var teacherLayout = TedFilterLayout.For(ModelRole.Teacher, method, student.Config, teacher.Model.Config);
                    teacherFilters = TedFilterArtifact.Load(await context.ArtifactAsync(ArtifactNames.TeacherFilters, cancellationToken).ConfigureAwait(false),
                        teacherLayout, context.Device);
                    var studentLayout = TedFilterLayout.For(ModelRole.Student, method, student.Config, teacher.Model.Config);
                    studentFilters = TedFilterArtifact.Load(await context.ArtifactAsync(ArtifactNames.StudentFilters, cancellationToken).ConfigureAwait(false),
                        studentLayout, context.Device);
                }
                var store = context.CreateCheckpointStore();
                // Plain cross-entropy needs no teacher.
                var result = await DistillationStages.DistillAsync(method.Name == MethodNames.Ce ? null : teacher.Model, student, dataset, method, options, store,
                    context.Progress, teacherFilters, studentFilters, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (!result.Completed)
                {
                    return StageResult.Stopped(result.Step);
                }
                var folder = Path.Join(context.WorkFolder, ArtifactNames.Student);
                ModelCheckpoint.Save(student, folder, teacherFolder);
                var history = StageModels.History(context.Stage, result, store.LastSaved);
                StageModels.WriteHistory(folder, history);
                var artifact = await context.PublishArtifactAsync(ArtifactNames.Student, folder, cancellationToken).ConfigureAwait(false);
                var metrics = StageModels.TrainingMetrics(history);
                metrics["studentParameters"] = student.ParameterCount();
                return StageResult.Done(metrics, new Dictionary<string, string>(StringComparer.Ordinal) { [ArtifactNames.Student] = artifact });
            }
            finally
            {
                teacherFilters?.Dispose();
                studentFilters?.Dispose();
            }
        }
    }
}
