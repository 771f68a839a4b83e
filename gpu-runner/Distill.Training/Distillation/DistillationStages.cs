using Distill.Contracts.Methods;
using Distill.Contracts.Models;
using Distill.Training.Data;
using Distill.Training.Models;
using Distill.Training.Trainers;

namespace Distill.Training.Distillation;

/// <summary>
/// The training stages of the pipeline, as the runner and the CLI call them: TED's Stage I for one model
/// (<see cref="TrainFiltersAsync"/>, the <c>ted-teacher-filters</c> and <c>ted-student-filters</c> stages) and the
/// distillation itself (<see cref="DistillAsync"/>, every method, TED's Stage II included). The caller loads the models
/// and the dataset, gives a checkpoint store per stage (a stage given a store that holds a checkpoint resumes from it),
/// and saves what the stage produced: the filters (<see cref="TedFilterArtifact.Save"/>) or the student
/// (<see cref="ModelCheckpoint.Save"/>).
/// </summary>
public static class DistillationStages
{
    /// <summary>
    /// Stage I's trainer options: <paramref name="options"/> with <c>method.ted.stageOneSteps</c> steps at
    /// <c>method.ted.stageOneLearningRate</c> (the floor then defaults to a tenth of it, and the warmup is cut to the
    /// steps), and evaluation off (the trainer's validation loss would be the frozen model's, which Stage I does not
    /// change).
    /// </summary>
    public static TrainerOptions StageOneOptions(TrainerOptions options, MethodOptions method)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(method);
        var ted = method.EffectiveTed;
        return options with
        {
            Steps = ted.StageOneSteps,
            LearningRate = ted.StageOneLearningRate,
            MinLearningRate = null,
            WarmupSteps = Math.Min(options.WarmupSteps, ted.StageOneSteps),
            EvaluationBatches = 0,
        };
    }

    /// <summary>
    /// TED's Stage I for <paramref name="model"/> (the <paramref name="role"/> side): new filters laid out by the method
    /// and the two models (<see cref="TedFilterLayout.For"/>), initialised from <see cref="TrainerOptions.Seed"/>, trained
    /// with Stage I's heads on the model's frozen hidden states (<see cref="TedFilterObjective"/>) for
    /// <see cref="StageOneOptions"/>. Checkpoints hold the filters and heads only.
    /// </summary>
    /// <param name="counterpart">The other model's config (the student's for the teacher's stage, and the reverse): the intervals and d_f depend on both.</param>
    /// <exception cref="MethodOptionsException">The method section is not a valid <c>ted</c> section for these models.</exception>
    /// <exception cref="CheckpointMismatchException">The store holds a checkpoint of another training.</exception>
    public static async Task<FilterTrainingResult> TrainFiltersAsync(
        ModelRole role,
        CausalLanguageModel model,
        ModelConfig counterpart,
        TokenDataset dataset,
        MethodOptions method,
        TrainerOptions trainerOptions,
        ICheckpointStore store,
        IProgress<TrainingProgress>? progress = null,
        int chunkTokens = LanguageModelingObjective.DefaultChunkTokens,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(counterpart);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(trainerOptions);
        ArgumentNullException.ThrowIfNull(store);
        var layout = role == ModelRole.Teacher
            ? TedFilterLayout.For(role, method, counterpart, model.Config)
            : TedFilterLayout.For(role, method, model.Config, counterpart);
        var options = StageOneOptions(trainerOptions, method);
        var trainer = new Trainer(options, store);
        var filters = layout.CreateFilters(options.Seed, model.Device);
        try
        {
            TrainingResult result;
            using (var objective = new TedFilterObjective(model, layout, filters, chunkTokens))
            {
                result = await trainer.RunAsync(objective, dataset, progress, cancellationToken).ConfigureAwait(false);
            }
            return new FilterTrainingResult(result, layout, filters);
        }
        catch
        {
            filters.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Distils <paramref name="teacher"/> into <paramref name="student"/> with the method section's objective
    /// (<see cref="DistillationObjective"/>), training the student in place (and, for TED, the student's filters).
    /// The method is checked against both models before anything trains; LWD's and feature alignment's projections are
    /// initialised from <see cref="TrainerOptions.Seed"/>, saved in the checkpoints and dropped at the end.
    /// </summary>
    /// <param name="teacher">Frozen and put in eval mode; null only for <c>ce</c>.</param>
    /// <param name="teacherFilters">TED: the teacher's Stage I filters (<see cref="TedFilterArtifact.Load"/>); frozen.</param>
    /// <param name="studentFilters">TED: the student's Stage I filters; trained with the student.</param>
    /// <exception cref="MethodOptionsException">The method section is invalid for these models.</exception>
    /// <exception cref="ArgumentException">The models or filters do not fit the method.</exception>
    /// <exception cref="CheckpointMismatchException">The store holds a checkpoint of another training.</exception>
    public static async Task<TrainingResult> DistillAsync(
        CausalLanguageModel? teacher,
        CausalLanguageModel student,
        TokenDataset dataset,
        MethodOptions method,
        TrainerOptions trainerOptions,
        ICheckpointStore store,
        IProgress<TrainingProgress>? progress = null,
        TaskAwareFilterSet? teacherFilters = null,
        TaskAwareFilterSet? studentFilters = null,
        int chunkTokens = LanguageModelingObjective.DefaultChunkTokens,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(student);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(trainerOptions);
        ArgumentNullException.ThrowIfNull(store);
        var trainer = new Trainer(trainerOptions, store);
        using var objective = new DistillationObjective(student, teacher, method, studentFilters, teacherFilters, chunkTokens, trainerOptions.Seed);
        return await trainer.RunAsync(objective, dataset, progress, cancellationToken).ConfigureAwait(false);
    }
}
