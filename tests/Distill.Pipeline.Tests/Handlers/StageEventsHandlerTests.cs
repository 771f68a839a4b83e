using Distill.Contracts.Events;
using Distill.Contracts.Runs;
using Distill.Contracts.Stages;
using Distill.Contracts.Storage;
using Distill.Pipeline.Handlers;
using Distill.Pipeline.Storage;

namespace Distill.Pipeline.Tests.Handlers;

public sealed class StageEventsHandlerTests : IAsyncLifetime
{
    private static readonly TeacherComparison s_comparison = new()
    {
        TeacherParameters = 800_000,
        StudentParameters = 200_000,
        TeacherPerplexity = 8,
        StudentPerplexity = 12,
        TopOneAgreement = 0.625,
        ForwardKl = 0.25,
        TeacherTokensPerSecond = 1000,
        StudentTokensPerSecond = 4000,
        TokensEvaluated = 4096,
    };

    private PipelineHarness _harness = null!;

    private static CancellationToken Cancel => PipelineHarness.Cancel;

    private StageEventsHandler Handler => _harness.Handlers.StageEvents;

    public async ValueTask InitializeAsync() => _harness = await PipelineHarness.CreateAsync();

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Fact]
    public async Task Completed_DeliveredTwiceAndConcurrently_CompletesTheStageAndQueuesTheNextOnce()
    {
        await _harness.AcceptAsync("run-1");
        await _harness.StartAsync("run-1", StageNames.Prepare);
        var completed = PipelineHarness.Completed("run-1", StageNames.Prepare, artifacts: new Dictionary<string, string> { ["dataset"] = "runs/run-1/artifacts/dataset" });

        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => Handler.OnStageCompletedAsync(completed, Cancel))));
        await Handler.OnStageCompletedAsync(completed, Cancel);

        var state = await _harness.StateAsync("run-1");
        Assert.Equal(StageStatus.Completed, state.Stage(StageNames.Prepare).Status);
        Assert.Equal("runs/run-1/artifacts/dataset", state.Stage(StageNames.Prepare).Artifacts["dataset"]);
        Assert.Equal(2.5, state.Stage(StageNames.Prepare).Metrics["loss"]);
        Assert.Equal(StageStatus.Queued, state.Stage(StageNames.Distill).Status);
        var command = Assert.Single(await _harness.DrainCommandsAsync());
        Assert.Equal((StageNames.Distill, 1), (command.Stage, command.Attempt));
        Assert.Equal(RunStageCommand.MessageIdFor("run-1", StageNames.Distill, 1), command.MessageId);
    }

    [Fact]
    public async Task Completed_TedRun_WalksThroughBothFilterStages()
    {
        var manifest = TestUpload.ValidManifest.Replace("\"name\": \"kd\", \"temperature\": 2", "\"name\": \"ted\"", StringComparison.Ordinal);
        await _harness.AcceptAsync("ted-run", TestUpload.Valid(manifest));

        await _harness.RunUntilAsync("ted-run", StageNames.Distill);

        var state = await _harness.StateAsync("ted-run");
        Assert.Equal(StageStatus.Completed, state.Stage(StageNames.TedTeacherFilters).Status);
        Assert.Equal(StageStatus.Completed, state.Stage(StageNames.TedStudentFilters).Status);
        Assert.Equal(StageStatus.Running, state.Stage(StageNames.Distill).Status);
    }

    [Fact]
    public async Task Completed_OfASupersededAttempt_IsDroppedAndChangesNothing()
    {
        await _harness.AcceptAsync("run-2");
        await _harness.StartAsync("run-2", StageNames.Prepare);
        await _harness.Context.Runs.UpdateAsync("run-2", s => s.QueueStage(StageNames.Prepare, 2, _harness.Time.GetUtcNow()), Cancel);
        var before = await _harness.Context.Runs.ReadAsync("run-2", Cancel);

        await Handler.OnStageCompletedAsync(PipelineHarness.Completed("run-2", StageNames.Prepare, attempt: 1), Cancel);

        Assert.Equal(before?.ETag, (await _harness.Context.Runs.ReadAsync("run-2", Cancel))?.ETag);
        Assert.Empty(await _harness.DrainCommandsAsync());
        Assert.Contains(_harness.Logs.Entries, e => e.Message.Contains("superseded by attempt 2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Completed_AfterTheRunFailed_IsDropped()
    {
        await _harness.AcceptAsync("run-3");
        await _harness.StartAsync("run-3", StageNames.Prepare);
        await _harness.Context.Runs.UpdateAsync("run-3", s => s.FailRun(["dead-lettered"], _harness.Time.GetUtcNow(), StageNames.Prepare), Cancel);

        await Handler.OnStageCompletedAsync(PipelineHarness.Completed("run-3", StageNames.Prepare), Cancel);

        var state = await _harness.StateAsync("run-3");
        Assert.Equal(RunStatus.Failed, state.Status);
        Assert.Equal(StageStatus.Failed, state.Stage(StageNames.Prepare).Status);
        Assert.Equal(StageStatus.Pending, state.Stage(StageNames.Distill).Status);
        Assert.Empty(await _harness.DrainCommandsAsync());
        Assert.Empty(await _harness.DrainAsync(PipelineTopology.Subscription(PipelineTopology.DeadLetterWatchSubscription)));
    }

    [Fact]
    public async Task Failed_FailsTheStageAndTheRunAndPublishesFailedOnce()
    {
        await _harness.AcceptAsync("run-4");
        await _harness.RunUntilAsync("run-4", StageNames.Distill);
        var failed = new StageFailed { RunId = "run-4", Stage = StageNames.Distill, Attempt = 1, Reasons = ["the loss became NaN at step 17"] };

        await Handler.HandleAsync(DistillEvents.ToCloudEvent(failed, _harness.Time.GetUtcNow()), Cancel);
        await Handler.HandleAsync(DistillEvents.ToCloudEvent(failed, _harness.Time.GetUtcNow()), Cancel);

        var state = await _harness.StateAsync("run-4");
        Assert.Equal(RunStatus.Failed, state.Status);
        Assert.Equal(StageStatus.Failed, state.Stage(StageNames.Distill).Status);
        Assert.Equal(["the loss became NaN at step 17"], state.Failure?.Reasons);
        Assert.Equal(StageNames.Distill, state.Failure?.Stage);
        var published = Assert.Single(await _harness.DrainEventsAsync<PipelineFailed>(PipelineTopology.DeadLetterWatchSubscription));
        Assert.Equal(StageNames.Distill, published.FailedStage);
        Assert.Equal(["the loss became NaN at step 17"], published.Reasons);
    }

    [Fact]
    public async Task EvaluateCompleted_GatesPass_PublishesTheStudentWithItsCardAndCompletesTheRun()
    {
        var upload = TestUpload.Valid();
        await _harness.AcceptAsync("run-5", upload);
        await _harness.RunUntilAsync("run-5", StageNames.Distill);
        await WriteStudentAsync("run-5");
        await Handler.OnStageCompletedAsync(PipelineHarness.Completed("run-5", StageNames.Distill,
            artifacts: new Dictionary<string, string> { [ArtifactNames.Student] = "runs/run-5/artifacts/student" }), Cancel);
        Assert.Single(await _harness.DrainCommandsAsync());
        await _harness.StartAsync("run-5", StageNames.Evaluate);
        var evaluated = PipelineHarness.Completed("run-5", StageNames.Evaluate, metrics: s_comparison.ToMetrics());

        await Handler.OnStageCompletedAsync(evaluated, Cancel);
        await Handler.OnStageCompletedAsync(evaluated, Cancel);

        var state = await _harness.StateAsync("run-5");
        Assert.Equal(RunStatus.Completed, state.Status);
        var result = Assert.IsType<RunResult>(state.Result);
        Assert.Equal(BlobPaths.PublishedModel("tiny-student", "run-5"), result.Student);
        Assert.Equal(BlobPaths.Report("run-5"), result.Report);
        Assert.Equal(s_comparison, result.Comparison);

        var published = new List<string>();
        await foreach (var item in _harness.Blobs.ListFolderAsync(result.Student, Cancel))
        {
            published.Add(item.Name);
        }
        Assert.Equal(
            ["tiny-student/run-5/README.md", "tiny-student/run-5/config.json", "tiny-student/run-5/model.safetensors", "tiny-student/run-5/tokenizer.json"],
            published);
        Assert.Equal(TestUpload.Tokenizer, await _harness.ReadTextAsync(result.Student.Child("tokenizer.json")));

        var card = await _harness.ReadTextAsync(result.Student.Child(ModelCard.FileName));
        Assert.StartsWith("---\nlibrary_name: transformers\n", card.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("base_model: \"test/tiny-teacher\"", card, StringComparison.Ordinal);
        Assert.Contains("- \"uploads/run-5/data/train.jsonl\"", card, StringComparison.Ordinal);
        Assert.Contains("- \"uploads/run-5/data/valid/part-0.jsonl\"", card, StringComparison.Ordinal);
        Assert.DoesNotContain("notes.csv", card, StringComparison.Ordinal);
        Assert.Contains("| perplexity | 8 | 12 |", card, StringComparison.Ordinal);
        Assert.Contains("| perplexity ratio (student / teacher) | 1.5 |", card, StringComparison.Ordinal);
        Assert.Contains("perplexity ratio ≤ 2 (got 1.5)", card, StringComparison.Ordinal);
        Assert.Contains("- Method: `kd`, temperature 2, weights kd 1", card, StringComparison.Ordinal);
        Assert.Contains(state.ManifestSha256, card, StringComparison.Ordinal);
        Assert.Contains("Teacher: `uploads/run-5/teacher`: gpt2, 4 layers, hidden size 32", card, StringComparison.Ordinal);
        var train = await _harness.Blobs.GetPropertiesAsync(BlobPaths.UploadFile("run-5", "data/train.jsonl").ToAddress(), Cancel);
        Assert.Contains($"| `uploads/run-5/data/train.jsonl` | train | {train.Length} | `{train.ETag}` |", card, StringComparison.Ordinal);
        Assert.Contains(TestUpload.ValidManifest.Trim(), card.ReplaceLineEndings("\n"), StringComparison.Ordinal);

        var completed = Assert.Single(await _harness.DrainEventsAsync<PipelineCompleted>(PipelineTopology.DeploymentSubscription));
        Assert.Equal(result.Student, completed.Student);
        Assert.Equal(result.Report, completed.Report);
        Assert.Equal(s_comparison, completed.Comparison);
        Assert.Equal(1.5, completed.Metrics["perplexityRatio"]);
        Assert.Empty(await _harness.DrainAsync(PipelineTopology.Subscription(PipelineTopology.DeadLetterWatchSubscription)));
    }

    [Fact]
    public async Task EvaluateCompleted_PublishedAgain_DoesNotCopyUnchangedBlobs()
    {
        await ReachEvaluateAsync("run-6");
        var evaluated = PipelineHarness.Completed("run-6", StageNames.Evaluate, metrics: s_comparison.ToMetrics());
        var state = await _harness.StateAsync("run-6");
        var manifest = Contracts.Manifests.PipelineManifest.Parse(TestUpload.ValidManifest);
        var publisher = new StudentPublisher(_harness.Context);
        await Handler.OnStageCompletedAsync(evaluated, Cancel);
        var target = BlobPaths.PublishedModel("tiny-student", "run-6").Child("model.safetensors").ToAddress();
        var first = await _harness.Blobs.GetPropertiesAsync(target, Cancel);

        await publisher.PublishAsync(await _harness.StateAsync("run-6"), manifest, TestUpload.ValidManifest, s_comparison, Cancel);

        Assert.Equal(first.ETag, (await _harness.Blobs.GetPropertiesAsync(target, Cancel)).ETag);
        Assert.Equal(RunStatus.Running, state.Status);
        Assert.Equal(RunStatus.Completed, (await _harness.StateAsync("run-6")).Status);
    }

    [Fact]
    public async Task EvaluateCompleted_GateMissed_FailsTheRunNamingTheGateAndPublishesNothing()
    {
        await ReachEvaluateAsync("run-7");
        var worse = s_comparison with { StudentPerplexity = 24 };

        await Handler.OnStageCompletedAsync(PipelineHarness.Completed("run-7", StageNames.Evaluate, metrics: worse.ToMetrics()), Cancel);

        var state = await _harness.StateAsync("run-7");
        Assert.Equal(RunStatus.Failed, state.Status);
        Assert.Equal(StageStatus.Completed, state.Stage(StageNames.Evaluate).Status);
        var reason = Assert.Single(state.Failure?.Reasons ?? []);
        Assert.Contains("evaluation.gates.maxPerplexityRatio allows 2", reason, StringComparison.Ordinal);
        Assert.Contains("is 3 times the teacher's 8", reason, StringComparison.Ordinal);
        var failed = Assert.Single(await _harness.DrainEventsAsync<PipelineFailed>(PipelineTopology.DeadLetterWatchSubscription));
        Assert.Equal([reason], failed.Reasons);
        Assert.Empty(await _harness.DrainAsync(PipelineTopology.Subscription(PipelineTopology.DeploymentSubscription)));
        await foreach (var _ in _harness.Blobs.ListAsync(BlobPaths.ModelsContainer, null, Cancel))
        {
            Assert.Fail("nothing may be published when a gate is missed");
        }
    }

    [Fact]
    public async Task EvaluateCompleted_WithoutTheComparison_FailsTheRunNamingTheMissingMetrics()
    {
        await ReachEvaluateAsync("run-8");

        await Handler.OnStageCompletedAsync(PipelineHarness.Completed("run-8", StageNames.Evaluate), Cancel);

        var reason = Assert.Single((await _harness.StateAsync("run-8")).Failure?.Reasons ?? []);
        Assert.StartsWith("stage 'evaluate' reported no teacherParameters, studentParameters, teacherPerplexity", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EvaluateCompleted_NoStudentArtifact_FailsTheRunNamingTheFolder()
    {
        await _harness.AcceptAsync("run-9");
        await _harness.RunUntilAsync("run-9", StageNames.Evaluate);

        await Handler.OnStageCompletedAsync(PipelineHarness.Completed("run-9", StageNames.Evaluate, metrics: s_comparison.ToMetrics()), Cancel);

        var reason = Assert.Single((await _harness.StateAsync("run-9")).Failure?.Reasons ?? []);
        Assert.StartsWith("runs/run-9/artifacts/student/: the student artifact is missing", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispatch_EvaluationSubscription_RoutesStageEventsAndCompletesThem()
    {
        await _harness.AcceptAsync("run-10");
        await _harness.StartAsync("run-10", StageNames.Prepare);
        await _harness.Context.Events.PublishAsync(PipelineHarness.Completed("run-10", StageNames.Prepare), Cancel);

        var outcome = await _harness.Handlers.ProcessNextAsync(PipelineTopology.Subscription(PipelineTopology.EvaluationSubscription), TimeSpan.Zero, Cancel);

        Assert.Equal(HandlerOutcome.Handled, outcome);
        Assert.Equal(StageNames.Distill, Assert.Single(await _harness.DrainCommandsAsync()).Stage);
        Assert.Contains(_harness.Logs.Entries, e => e.Message == "Stage prepare attempt 1 completed"
            && Equals(e.Scope[PipelineLogging.RunIdProperty], "run-10") && Equals(e.Scope[PipelineLogging.StageProperty], StageNames.Prepare));
    }

    private async Task ReachEvaluateAsync(string runId)
    {
        await _harness.AcceptAsync(runId);
        await _harness.RunUntilAsync(runId, StageNames.Evaluate);
        await WriteStudentAsync(runId);
    }

    /// <summary>What the distill stage leaves: a Hugging Face folder in the student artifact.</summary>
    private async Task WriteStudentAsync(string runId)
    {
        var folder = BlobPaths.Artifact(runId, ArtifactNames.Student);
        await _harness.PutAsync(folder.Child("config.json"), TestUpload.TeacherConfig.Replace("\"n_layer\": 4", "\"n_layer\": 2", StringComparison.Ordinal));
        await _harness.PutAsync(folder.Child("model.safetensors"), TestUpload.SafeTensors(("transformer.wte.weight", [64, 32])));
        await _harness.PutAsync(folder.Child("tokenizer.json"), TestUpload.Tokenizer);
    }
}
