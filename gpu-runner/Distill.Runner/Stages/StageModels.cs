using Distill.Contracts.Stages;
using Distill.Reports;
using Distill.Training.Data;
using Distill.Training.Models;
using Distill.Training.Trainers;

namespace Distill.Runner.Stages;

/// <summary>What several stages load the same way: the teacher with its tokenizer, the student built from it, the dataset, and training histories.</summary>
internal static class StageModels
{
    /// <summary>The teacher folder of the upload (a local copy) and the teacher loaded from it on the stage's device, checked against the manifest.</summary>
    public static async Task<(string Folder, PretrainedModel Teacher)> LoadTeacherAsync(StageContext context, CancellationToken cancellationToken)
    {
        var folder = await context.UploadPathAsync(context.Manifest.Teacher.Path, cancellationToken).ConfigureAwait(false);
        var teacher = PretrainedModel.Load(folder, context.Device);
        try
        {
            // What needs the teacher's shape: the student built on it, the method's layer mapping, the block size.
            context.Manifest.ThrowIfInvalid(teacher.Model.Config);
            return (folder, teacher);
        }
        catch
        {
            teacher.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The student before training: the manifest's shape on the teacher, initialised from the teacher or randomly with
    /// <c>student.seed</c>. Deterministic, so every stage of a run builds the same one.
    /// </summary>
    public static CausalLanguageModel BuildStudent(StageContext context, PretrainedModel teacher)
    {
        var student = context.Manifest.Student;
        return StudentBuilder.Build(teacher.Model, student.ToShape(), ManifestTraining.Initialization(context.Manifest), student.Seed, context.Device).Model;
    }

    /// <summary>The run's tokenized dataset (the <c>dataset</c> artifact of <c>prepare</c>).</summary>
    public static async Task<TokenDataset> OpenDatasetAsync(StageContext context, CancellationToken cancellationToken) =>
        TokenDataset.Open(await context.ArtifactAsync(ArtifactNames.Dataset, cancellationToken).ConfigureAwait(false));

    /// <summary>A training stage's history for the report: its loss curve and, from its newest checkpoint, the time and tokens of every session.</summary>
    public static TrainingHistory History(string stage, TrainingResult result, TrainerState? lastSaved) => new()
    {
        Stage = stage,
        Steps = result.Step,
        ResumedFromStep = result.ResumedFromStep,
        TrainingSeconds = lastSaved?.TrainingSeconds ?? result.Elapsed.TotalSeconds,
        Tokens = lastSaved?.Tokens ?? (long)(result.TokensPerSecond * result.Elapsed.TotalSeconds),
        Points = [.. result.Losses.Select(p => new TrainingHistoryPoint(p.Step, p.Loss, p.LearningRate, p.ValidationLoss))],
    };

    /// <summary>The metrics of a training stage for stage.completed.</summary>
    public static Dictionary<string, double> TrainingMetrics(TrainingHistory history)
    {
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["steps"] = history.Steps,
            ["trainingSeconds"] = history.TrainingSeconds,
            ["tokensPerSecond"] = history.TokensPerSecond,
        };
        if (history.FinalLoss is { } loss)
        {
            metrics["loss"] = loss;
        }
        if (history.FinalValidationLoss is { } validation)
        {
            metrics["validationLoss"] = validation;
        }
        return metrics;
    }

    /// <summary>Writes <paramref name="history"/> as <see cref="TrainingHistory.FileName"/> into <paramref name="folder"/>.</summary>
    public static void WriteHistory(string folder, TrainingHistory history) =>
        File.WriteAllText(Path.Join(folder, TrainingHistory.FileName), history.ToJson());
}
