using System.Globalization;
using Distill.Contracts.Methods;
using Distill.Contracts.Runs;
using Distill.Contracts.Stages;
using Distill.Contracts.Storage;
using Distill.Reports;
using Distill.Reports.Charts;
using Distill.Runner.Storage;
using Distill.Training.Evaluation;
using Distill.Training.Models;

namespace Distill.Runner.Stages;

/// <summary>
/// <c>evaluate</c>: compares the student with the teacher on the validation blocks (<see cref="ModelEvaluator"/>), has
/// both continue the manifest's prompts, and writes the run report to <c>runs/{runId}/report/</c>: <c>report.md</c>,
/// <c>loss.png</c> (the loss curves of the training stages) and <c>evaluation.json</c>. Its stage.completed metrics are the
/// <see cref="TeacherComparison"/> (<see cref="TeacherComparison.ToMetrics"/>), which the pipeline's gates read.
/// </summary>
public sealed class EvaluateStage : IStageExecutor
{
    /// <summary>The name the report folder has among the stage's artifacts (<c>runs/{runId}/report</c>).</summary>
    public const string ReportArtifact = "report";

    /// <summary>Tokens each model writes per prompt in the report's samples (greedy).</summary>
    public const int SampleTokens = 32;

    public async Task<StageResult> RunAsync(StageContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var manifest = context.Manifest;
        var (_, teacher) = await StageModels.LoadTeacherAsync(context, cancellationToken).ConfigureAwait(false);
        using (teacher)
        {
            var studentFolder = await context.ArtifactAsync(ArtifactNames.Student, cancellationToken).ConfigureAwait(false);
            using var student = PretrainedModel.Load(studentFolder, context.Device);
            using var dataset = await StageModels.OpenDatasetAsync(context, cancellationToken).ConfigureAwait(false);
            var teacherModel = new NamedModel("teacher", teacher.Model);
            var studentModel = new NamedModel("student", student.Model);
            var evaluation = ModelEvaluator.Evaluate(dataset, studentModel, teacherModel, ManifestTraining.EvaluationOptions(manifest), null, cancellationToken);
            if (manifest.Evaluation.Prompts.Count > 0)
            {
                SamplingOptions[] strategies = [SamplingOptions.Greedy with { MaxNewTokens = SampleTokens }];
                evaluation = evaluation with
                {
                    Samples =
                    [
                        ModelEvaluator.Sample(teacherModel, teacher.Tokenizer, manifest.Evaluation.Prompts, strategies, cancellationToken),
                        ModelEvaluator.Sample(studentModel, student.Tokenizer, manifest.Evaluation.Prompts, strategies, cancellationToken),
                    ],
                };
            }
            var teacherMetrics = evaluation.Teacher ?? throw new InvalidOperationException("the evaluation was given a teacher but reports none");
            var comparison = new TeacherComparison
            {
                TeacherParameters = teacherMetrics.Parameters,
                StudentParameters = evaluation.Student.Parameters,
                TeacherPerplexity = teacherMetrics.Perplexity,
                StudentPerplexity = evaluation.Student.Perplexity,
                TopOneAgreement = evaluation.TopOneAgreement ?? double.NaN,
                ForwardKl = evaluation.ForwardKl ?? double.NaN,
                TeacherTokensPerSecond = teacherMetrics.TokensPerSecond,
                StudentTokensPerSecond = evaluation.Student.TokensPerSecond,
                TokensEvaluated = evaluation.TokensEvaluated,
            };

            var folder = Path.Join(context.WorkFolder, "report");
            Directory.CreateDirectory(folder);
            await File.WriteAllTextAsync(Path.Join(folder, RunReportFiles.Evaluation), evaluation.ToJson(), cancellationToken).ConfigureAwait(false);
            var histories = await HistoriesAsync(context, studentFolder, cancellationToken).ConfigureAwait(false);
            var images = new List<ReportImage>();
            if (histories.Values.Any(h => h.Points.Count > 0))
            {
                var chart = LossCurves.Chart([.. histories.Values], $"{manifest.Name}: loss by training stage");
                await File.WriteAllBytesAsync(Path.Join(folder, RunReportFiles.LossChart), ChartRenderer.RenderPng(chart), cancellationToken).ConfigureAwait(false);
                images.Add(new ReportImage(RunReportFiles.LossChart, "Training and validation loss of each training stage"));
            }
            var report = new RunReport
            {
                RunId = context.RunId,
                Name = manifest.Name ?? context.RunId,
                Method = manifest.Method?.Name ?? "",
                MethodDetails = MethodDetails(manifest.Method, manifest),
                Teacher = new ReportModel(context.Command.Upload.Child(manifest.Teacher.Path).ToString(), teacher.Model.Config, teacherMetrics.Parameters),
                Student = new ReportModel(BlobPaths.Artifact(context.RunId, ArtifactNames.Student).ToString(), student.Model.Config, evaluation.Student.Parameters),
                Data = new ReportData
                {
                    BlockSize = dataset.BlockSize,
                    TrainDocuments = dataset.Index.Train.Documents,
                    TrainTokens = dataset.Index.Train.Tokens,
                    TrainBlocks = dataset.Index.Train.Blocks,
                    ValidationDocuments = dataset.Index.Validation.Documents,
                    ValidationTokens = dataset.Index.Validation.Tokens,
                    ValidationBlocks = dataset.Index.Validation.Blocks,
                },
                Stages = Stages(context, histories),
                Comparison = comparison,
                EvaluatedBlocks = evaluation.Blocks,
                BlockSize = evaluation.BlockSize,
                Gates = manifest.Evaluation.Gates,
                Samples = [.. evaluation.Samples.SelectMany(m => m.Samples.Select(s => new ReportSample(s.Prompt, m.Model, s.Strategy, s.Continuation, s.StoppedAtEos)))],
                Images = images,
                Files = [new ReportImage(RunReportFiles.Evaluation, "the evaluation's numbers and samples as JSON")],
                GeneratedAt = context.Time.GetUtcNow(),
            };
            await File.WriteAllTextAsync(Path.Join(folder, RunReportFiles.Markdown), MarkdownReport.Render(report), cancellationToken).ConfigureAwait(false);

            var location = BlobPaths.Report(context.RunId);
            await BlobFolders.UploadAsync(context.Blobs, folder, location, context.Fence, cancellationToken).ConfigureAwait(false);
            return StageResult.Done(comparison.ToMetrics(), new Dictionary<string, string>(StringComparer.Ordinal) { [ReportArtifact] = location.ToString() });
        }
    }

    /// <summary>The training histories of the run's training stages, by stage: the filter stages' (TED) and distill's.</summary>
    private static async Task<Dictionary<string, TrainingHistory>> HistoriesAsync(StageContext context, string studentFolder, CancellationToken cancellationToken)
    {
        var folders = new List<(string Stage, string Folder)>();
        if (context.State.HasStage(StageNames.TedTeacherFilters))
        {
            folders.Add((StageNames.TedTeacherFilters, await context.ArtifactAsync(ArtifactNames.TeacherFilters, cancellationToken).ConfigureAwait(false)));
        }
        if (context.State.HasStage(StageNames.TedStudentFilters))
        {
            folders.Add((StageNames.TedStudentFilters, await context.ArtifactAsync(ArtifactNames.StudentFilters, cancellationToken).ConfigureAwait(false)));
        }
        folders.Add((StageNames.Distill, studentFolder));
        var histories = new Dictionary<string, TrainingHistory>(StringComparer.Ordinal);
        foreach (var (stage, folder) in folders)
        {
            var path = Path.Join(folder, TrainingHistory.FileName);
            if (File.Exists(path))
            {
                var json = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
                histories[stage] = TrainingHistory.FromJson(json, $"{ArtifactOf(stage)}/{TrainingHistory.FileName}");
            }
        }
        return histories;
    }

    private static string ArtifactOf(string stage) => stage switch
    {
        StageNames.TedTeacherFilters => ArtifactNames.TeacherFilters,
        StageNames.TedStudentFilters => ArtifactNames.StudentFilters,
        _ => ArtifactNames.Student,
    };

    /// <summary>The run's stages as state.json has them, this one completing now.</summary>
    private static List<ReportStage> Stages(StageContext context, Dictionary<string, TrainingHistory> histories) =>
    [
        .. context.State.Stages.Select(s => new ReportStage
        {
            Name = s.Name,
            Status = s.Name == context.Stage ? "completed" : s.Status.ToString().ToLowerInvariant(),
            Runner = s.Runner,
            StartedAt = s.StartedAt,
            CompletedAt = s.Name == context.Stage ? context.Time.GetUtcNow() : s.CompletedAt,
            Training = histories.GetValueOrDefault(s.Name),
        }),
    ];

    /// <summary>The method's settings in a line: temperature, the weights of the terms in use, and TED's filter steps.</summary>
    private static string? MethodDetails(MethodOptions? method, Contracts.Manifests.PipelineManifest manifest)
    {
        if (method?.Name is not { } name)
        {
            return null;
        }
        var weights = method.EffectiveWeights();
        var terms = new (string Name, double Weight)[]
        {
            ("ce", weights.Ce), ("kd", weights.Kd), ("reverse KL", weights.ReverseKl), ("atkd", weights.Atkd), ("hidden", weights.Hidden), ("attention", weights.Attention),
        }.Where(t => t.Weight > 0).Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Name} {t.Weight:G4}"));
        var text = string.Create(CultureInfo.InvariantCulture, $"temperature {method.EffectiveTemperature:G4}; weights {string.Join(", ", terms)}");
        if (name == MethodNames.Ted)
        {
            text += string.Create(CultureInfo.InvariantCulture, $"; Stage I {manifest.Training.EffectiveFilterSteps()} steps per side");
        }
        return text;
    }
}
