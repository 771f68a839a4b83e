using System.Text;
using Distill.Contracts.Events;
using Distill.Contracts.Methods;
using Distill.Contracts.Runs;
using Distill.Contracts.Stages;
using Distill.Contracts.Storage;
using Distill.Pipeline;
using Distill.Pipeline.Events;
using Distill.Reports;
using Distill.Runner.Tests.Support;
using Distill.Training.Distillation;
using Distill.Training.Evaluation;
using Distill.Training.Models;

namespace Distill.Runner.Tests.Worker;

/// <summary>The stages end to end without the handlers: the test queues each stage as they would, a worker runs it.</summary>
[Collection(TrainingGroup.Name)]
public sealed class StageWorkerPipelineTests(TinyModels models)
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ProcessNextAsync_KdRun_ProducesDatasetStudentAndReport()
    {
        await using var sandbox = new PipelineSandbox(models);
        const string Run = "kd-run";
        await sandbox.SubmitAsync(Run, TestManifests.Kd());
        var teacherReads = 0;
        sandbox.Blobs.BeforeGet = blob =>
        {
            if (blob.Name.StartsWith($"{Run}/teacher/", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref teacherReads);
            }
            return Task.CompletedTask;
        };
        var activities = new List<WorkerActivity>();
        var worker = sandbox.Worker("runner-a", activity: a =>
        {
            lock (activities)
            {
                activities.Add(a);
            }
        });

        await sandbox.QueueAsync(Run, StageNames.Prepare);
        Assert.Equal(StageOutcome.Completed, await worker.ProcessNextAsync(s_wait, TestContext.Current.CancellationToken));
        var prepared = (await sandbox.StateAsync(Run)).Stage(StageNames.Prepare);
        Assert.Equal(StageStatus.Completed, prepared.Status);
        Assert.Equal("runner-a", prepared.Runner);
        Assert.Equal($"runs/{Run}/artifacts/dataset", prepared.Artifacts[ArtifactNames.Dataset]);
        Assert.True(prepared.Metrics["trainBlocks"] > 0 && prepared.Metrics["validationBlocks"] > 0);
        Assert.True(await sandbox.ExistsAsync(BlobPaths.Artifact(Run, ArtifactNames.Dataset).Child("index.json")));

        await sandbox.QueueAsync(Run, StageNames.Distill);
        Assert.Equal(StageOutcome.Completed, await worker.ProcessNextAsync(s_wait, TestContext.Current.CancellationToken));
        await sandbox.QueueAsync(Run, StageNames.Evaluate);
        Assert.Equal(StageOutcome.Completed, await worker.ProcessNextAsync(s_wait, TestContext.Current.CancellationToken));

        // The state: every stage completed by this runner, the distill stage's last checkpoint recorded.
        var state = await sandbox.StateAsync(Run);
        Assert.All(state.Stages, s => Assert.Equal(StageStatus.Completed, s.Status));
        Assert.Equal(6, state.Stage(StageNames.Distill).LastCheckpointStep);

        // The events: started and completed for each stage, progress for distill, on the topic and in the run's folder.
        var completed = await sandbox.EventsAsync<StageCompleted>(Run);
        Assert.Equal([StageNames.Distill, StageNames.Evaluate, StageNames.Prepare], completed.Select(c => c.Stage).Order(StringComparer.Ordinal));
        Assert.Equal(3, (await sandbox.EventsAsync<StageStarted>(Run)).Count);
        var progress = await sandbox.EventsAsync<StageProgressed>(Run);
        Assert.Contains(progress, p => p.Stage == StageNames.Distill && p.Step == 6 && p.TotalSteps == 6 && p.Metrics.ContainsKey("loss") && p.Metrics.ContainsKey("etaSeconds"));
        var onTopic = 0;
        while (await sandbox.Bus.ReceiveAsync(PipelineTopology.Subscription(PipelineTopology.EvaluationSubscription), TimeSpan.Zero, TestContext.Current.CancellationToken) is { } message)
        {
            Assert.Equal(DistillEventTypes.StageCompleted, PipelineEventPublisher.Read(message).Type);
            await sandbox.Bus.CompleteAsync(message, TestContext.Current.CancellationToken);
            onTopic++;
        }
        Assert.Equal(3, onTopic);
        Assert.Equal(0, await sandbox.CountVisibleAsync(PipelineTopology.StagesQueue));

        // The evaluate stage's metrics are the teacher comparison the gates read.
        var evaluated = completed.Single(c => c.Stage == StageNames.Evaluate);
        Assert.True(TeacherComparison.TryFromMetrics(evaluated.Metrics, out var comparison, out var missing), string.Join(", ", missing));
        Assert.True(comparison.StudentParameters < comparison.TeacherParameters);
        Assert.True(comparison.TokensEvaluated > 0 && double.IsFinite(comparison.StudentPerplexity));
        Assert.Equal($"runs/{Run}/report", evaluated.Artifacts["report"]);

        // The student: a Hugging Face folder with the teacher's tokenizer and its training history.
        var student = await sandbox.DownloadAsync(BlobPaths.Artifact(Run, ArtifactNames.Student));
        using (var loaded = PretrainedModel.Load(student))
        {
            Assert.Equal(1, loaded.Model.Config.NumLayers);
            Assert.Equal(comparison.StudentParameters, loaded.Model.ParameterCount());
        }
        var history = TrainingHistory.FromJson(await File.ReadAllTextAsync(Path.Join(student, TrainingHistory.FileName), TestContext.Current.CancellationToken), "history");
        Assert.Equal(6, history.Steps);
        Assert.Equal([1, 2, 3, 4, 5, 6], history.Points.Select(p => p.Step));
        Assert.Equal(2, history.Points.Count(p => p.ValidationLoss is not null));

        // The report.
        var report = BlobPaths.Report(Run);
        var markdown = Encoding.UTF8.GetString(await sandbox.ReadAsync(report.Child(RunReportFiles.Markdown)));
        Assert.Contains("# tiny-kd: distillation report", markdown, StringComparison.Ordinal);
        Assert.Contains("## Teacher and student", markdown, StringComparison.Ordinal);
        Assert.Contains("![Training and validation loss of each training stage](loss.png)", markdown, StringComparison.Ordinal);
        Assert.Contains("| distill | completed | runner-a |", markdown, StringComparison.Ordinal);
        Assert.Contains("Prompt: `the teacher learns`", markdown, StringComparison.Ordinal);
        Assert.Contains("The student passes every gate.", markdown, StringComparison.Ordinal);
        Assert.True(Png.AssertImage(await sandbox.ReadAsync(report.Child(RunReportFiles.LossChart)), 900, 500) > 20);
        var evaluation = EvaluationReport.FromJson(Encoding.UTF8.GetString(await sandbox.ReadAsync(report.Child(RunReportFiles.Evaluation))));
        Assert.Equal(comparison.StudentPerplexity, evaluation.Student.Perplexity);
        Assert.Equal(2, evaluation.Samples.Count);

        // The teacher was downloaded once (by prepare); distill and evaluate read the runner's cache.
        Assert.Equal(Directory.GetFiles(models.TeacherFolder).Length, teacherReads);
        Assert.Contains(activities, a => a.Kind == WorkerActivityKind.Progress && a.Stage == StageNames.Distill);
        Assert.Equal(3, activities.Count(a => a is { Kind: WorkerActivityKind.Settled, Outcome: StageOutcome.Completed }));
    }

    [Fact]
    public async Task ProcessNextAsync_TedRun_TrainsBothFilterStagesThenDistills()
    {
        await using var sandbox = new PipelineSandbox(models);
        const string Run = "ted-run";
        await sandbox.SubmitAsync(Run, TestManifests.Ted(), dataFiles: new Dictionary<string, string>
        {
            ["data/train.jsonl"] = TinyCorpus.Jsonl(0, 50),
            ["data/validation.jsonl"] = TinyCorpus.Jsonl(50, 10),
        });
        var worker = sandbox.Worker("runner-t");

        foreach (var stage in StagePlan.For(MethodNames.Ted))
        {
            await sandbox.QueueAsync(Run, stage);
            Assert.Equal(StageOutcome.Completed, await worker.ProcessNextAsync(s_wait, TestContext.Current.CancellationToken));
        }

        var state = await sandbox.StateAsync(Run);
        Assert.All(state.Stages, s => Assert.Equal(StageStatus.Completed, s.Status));
        // Explicit validation files: the validation split is exactly their ten documents.
        Assert.Equal(10, state.Stage(StageNames.Prepare).Metrics["validationDocuments"]);
        Assert.Equal(50, state.Stage(StageNames.Prepare).Metrics["trainDocuments"]);
        foreach (var (stage, artifact, role) in new[]
        {
            (StageNames.TedTeacherFilters, ArtifactNames.TeacherFilters, "teacher"),
            (StageNames.TedStudentFilters, ArtifactNames.StudentFilters, "student"),
        })
        {
            Assert.Equal(3, state.Stage(stage).Metrics["steps"]);
            var folder = await sandbox.DownloadAsync(BlobPaths.Artifact(Run, artifact));
            var description = TedFilterArtifact.ReadDescription(folder);
            Assert.Equal(role, description.Role);
            Assert.Equal(3, description.TrainedSteps);
            Assert.Equal(3, TrainingHistory.FromJson(await File.ReadAllTextAsync(Path.Join(folder, TrainingHistory.FileName), TestContext.Current.CancellationToken), artifact).Steps);
        }
        var markdown = Encoding.UTF8.GetString(await sandbox.ReadAsync(BlobPaths.Report(Run).Child(RunReportFiles.Markdown)));
        Assert.Contains("| ted-teacher-filters | completed | runner-t |", markdown, StringComparison.Ordinal);
        Assert.Contains("| ted-student-filters | completed | runner-t |", markdown, StringComparison.Ordinal);
        Assert.Contains("Stage I 3 steps per side", markdown, StringComparison.Ordinal);
        Assert.True(Png.AssertImage(await sandbox.ReadAsync(BlobPaths.Report(Run).Child(RunReportFiles.LossChart)), 900, 500) > 20);
        var evaluated = (await sandbox.EventsAsync<StageCompleted>(Run)).Single(c => c.Stage == StageNames.Evaluate);
        Assert.True(TeacherComparison.TryFromMetrics(evaluated.Metrics, out _, out _));
    }
}
