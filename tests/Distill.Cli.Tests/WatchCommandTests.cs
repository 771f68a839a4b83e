using Distill.Contracts.Events;
using Distill.Contracts.Runs;
using Distill.Contracts.Stages;
using Distill.Contracts.Storage;
using Distill.Pipeline.Events;

namespace Distill.Cli.Tests;

public sealed class WatchCommandTests : IDisposable
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

    private readonly PipelineStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task Watch_CompletedRun_PrintsOneLinePerEventInTimeOrderAndExitsZero()
    {
        await WriteCompletedRunAsync("run-done");

        var run = await CommandRun.RunAsync(["watch", "run-done", "--store", _store.StorePath]);

        Assert.Equal(DistillCommandLine.Ok, run.ExitCode);
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Matches(@"^\d\d:\d\d:\d\d\s+run\s+accepted 'tiny-kd': prepare → distill → evaluate$", lines[0]);
        Assert.Matches(@"^\d\d:\d\d:\d\d\s+distill\s+started \(attempt 1\) on runner-a$", lines[1]);
        Assert.Matches(@"^\d\d:\d\d:\d\d\s+distill\s+step 100/300 \(33%\)  loss 3\.0000  4,096 tok/s$", lines[2]);
        Assert.Matches(@"^\d\d:\d\d:\d\d\s+distill\s+step 200/300 \(67%\)  loss 2\.5000  4,096 tok/s  ETA 0:10$", lines[3]);
        Assert.Matches(@"^\d\d:\d\d:\d\d\s+distill\s+completed \(attempt 1\): loss 2\.25$", lines[4]);
        Assert.Matches(@"^\d\d:\d\d:\d\d\s+evaluate\s+completed \(attempt 1\): perplexityRatio 1\.5, topOneAgreement 0\.625, forwardKl 0\.25, sizeRatio 0\.25, speedup 4$", lines[5]);
        Assert.Matches(@"^\d\d:\d\d:\d\d\s+run\s+completed: student in models/tiny-student/run-done, report in runs/run-done/report$", lines[6]);
        Assert.Equal("perplexity 8 → 12 (×1.5), size ×0.25, speedup ×4, top-1 agreement 0.625", lines[7]);
        Assert.Equal(8, lines.Length);
    }

    [Fact]
    public async Task Watch_Json_PrintsEachCloudEventOnOneLine()
    {
        await WriteCompletedRunAsync("run-json");

        var run = await CommandRun.RunAsync(["watch", "run-json", "--store", _store.StorePath, "--json"]);

        Assert.Equal(DistillCommandLine.Ok, run.ExitCode);
        var events = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(CloudEventEnvelope.FromJson).ToList();
        Assert.Equal(
            [DistillEventTypes.RunAccepted, DistillEventTypes.StageStarted, DistillEventTypes.StageProgress, DistillEventTypes.StageProgress,
             DistillEventTypes.StageCompleted, DistillEventTypes.StageCompleted, DistillEventTypes.PipelineCompleted],
            events.Select(e => e.Type));
        Assert.Equal(s_comparison, DistillEvents.ReadData<PipelineCompleted>(events[^1]).Comparison);
    }

    [Fact]
    public async Task Watch_FailedRun_PrintsTheReasonsAndExitsOne()
    {
        await using (var store = await _store.OpenAsync())
        {
            await PipelineStore.WriteRunAsync(store, "run-bad", DateTimeOffset.UtcNow,
                new RunAccepted { RunId = "run-bad", Name = "tiny-kd", ManifestSha256 = "ab", Upload = BlobPaths.Upload("run-bad"), Stages = [StageNames.Prepare] },
                new StageFailed { RunId = "run-bad", Stage = StageNames.Prepare, Attempt = 1, Reasons = ["data/train.jsonl line 3 is not JSON", "data/train.jsonl line 9 is not JSON"] },
                new PipelineFailed { RunId = "run-bad", Name = "tiny-kd", FailedStage = StageNames.Prepare, Reasons = ["data/train.jsonl line 3 is not JSON"] });
        }

        var run = await CommandRun.RunAsync(["watch", "run-bad", "--store", _store.StorePath]);

        Assert.Equal(DistillCommandLine.Failure, run.ExitCode);
        Assert.Matches(@"(?m)^\d\d:\d\d:\d\d\s+prepare\s+failed \(attempt 1\):\r?\n\s+data/train.jsonl line 3 is not JSON\r?\n\s+data/train.jsonl line 9 is not JSON", run.Output);
        Assert.Matches(@"(?m)^\d\d:\d\d:\d\d\s+run\s+failed at stage prepare:\r?\n\s+data/train.jsonl line 3 is not JSON", run.Output);
    }

    [Fact]
    public async Task Watch_RunningRun_FollowsEventsAsTheyAppearUntilTheOutcome()
    {
        await using var store = await _store.OpenAsync();
        await PipelineStore.WriteRunAsync(store, "run-live", DateTimeOffset.UtcNow,
            new StageStarted { RunId = "run-live", Stage = StageNames.Prepare, Attempt = 1, Runner = "runner-a" });

        var watching = CommandRun.RunAsync(["watch", "--store", _store.StorePath]);
        await Task.Delay(TimeSpan.FromSeconds(1), PipelineStore.Cancel);
        Assert.False(watching.IsCompleted);
        var publisher = new PipelineEventPublisher(store.Bus, store.Blobs, TimeProvider.System);
        await PipelineStore.PublishAsync(publisher, new PipelineFailed { RunId = "run-live", Name = "tiny-kd", Reasons = ["stopped by the test"] });
        var run = await watching.WaitAsync(TimeSpan.FromSeconds(20), PipelineStore.Cancel);

        Assert.Equal(DistillCommandLine.Failure, run.ExitCode);
        Assert.StartsWith("Watching the most recent run, run-live (tiny-kd)", run.Output, StringComparison.Ordinal);
        Assert.Contains("prepare              started (attempt 1) on runner-a", run.Output, StringComparison.Ordinal);
        Assert.Contains("stopped by the test", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_UnknownRun_ExitsOne()
    {
        await (await _store.OpenAsync()).DisposeAsync();

        var run = await CommandRun.RunAsync(["watch", "nope", "--store", _store.StorePath]);

        Assert.Equal(DistillCommandLine.Failure, run.ExitCode);
        Assert.Contains("distill watch: there is no run 'nope'", run.Error, StringComparison.Ordinal);
    }

    private async Task WriteCompletedRunAsync(string runId)
    {
        await using var store = await _store.OpenAsync();
        var start = DateTimeOffset.UtcNow;
        await PipelineStore.WriteRunAsync(store, runId, start,
            new StageCompleted { RunId = runId, Stage = StageNames.Evaluate, Attempt = 1, Metrics = s_comparison.ToMetrics(), Artifacts = new Dictionary<string, string>() },
            new RunAccepted { RunId = runId, Name = "tiny-kd", ManifestSha256 = "ab", Upload = BlobPaths.Upload(runId), Stages = [StageNames.Prepare, StageNames.Distill, StageNames.Evaluate] },
            new StageStarted { RunId = runId, Stage = StageNames.Distill, Attempt = 1, Runner = "runner-a" },
            new StageProgressed { RunId = runId, Stage = StageNames.Distill, Attempt = 1, Step = 100, TotalSteps = 300, Metrics = new Dictionary<string, double> { ["loss"] = 3, ["tokensPerSecond"] = 4096 } },
            new StageProgressed { RunId = runId, Stage = StageNames.Distill, Attempt = 1, Step = 200, TotalSteps = 300, Metrics = new Dictionary<string, double> { ["loss"] = 2.5, ["tokensPerSecond"] = 4096 } },
            new StageCompleted { RunId = runId, Stage = StageNames.Distill, Attempt = 1, Metrics = new Dictionary<string, double> { ["loss"] = 2.25, ["learningRate"] = 1e-4 }, Artifacts = new Dictionary<string, string>() },
            new PipelineCompleted
            {
                RunId = runId,
                Name = "tiny-kd",
                Student = BlobPaths.PublishedModel("tiny-student", runId),
                Report = BlobPaths.Report(runId),
                Metrics = s_comparison.ToMetrics(),
                Comparison = s_comparison,
            });
        // The evaluate completion was stored first but happened after distill's: watch orders by event time.
        var evaluate = BlobPaths.RunEvent(runId, $"{runId}:{DistillEventTypes.StageCompleted}:{StageNames.Evaluate}:1");
        var text = await ReadAsync(store, evaluate);
        var moved = CloudEventEnvelope.FromJson(text) with { Time = start + TimeSpan.FromSeconds(65) };
        await store.Blobs.PutAsync(new Pipeline.Storage.BlobAddress(evaluate.Container, evaluate.Name), new MemoryStream(System.Text.Encoding.UTF8.GetBytes(moved.ToJson())), null, PipelineStore.Cancel);
    }

    private static async Task<string> ReadAsync(Pipeline.Local.LocalStore store, BlobLocation location)
    {
        await using var download = await store.Blobs.GetAsync(new Pipeline.Storage.BlobAddress(location.Container, location.Name), null, PipelineStore.Cancel);
        using var reader = new StreamReader(download.Content);
        return await reader.ReadToEndAsync(PipelineStore.Cancel);
    }
}
