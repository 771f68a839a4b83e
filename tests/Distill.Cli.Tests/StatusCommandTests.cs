using System.Text.Json;
using Distill.Contracts.Events;
using Distill.Contracts.Runs;
using Distill.Contracts.Stages;

namespace Distill.Cli.Tests;

public sealed class StatusCommandTests : IDisposable
{
    private readonly PipelineStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task Status_WithoutRun_ListsEveryRunWithStatusAndStage()
    {
        await WriteRunsAsync();

        var run = await CommandRun.RunAsync(["status", "--store", _store.StorePath]);

        Assert.Equal(DistillCommandLine.Ok, run.ExitCode);
        Assert.Matches(@"(?m)^\W*run-running\W+tiny-kd\W+running\W+distill\W", run.Output);
        Assert.Matches(@"(?m)^\W*run-failed\W+tiny-kd\W+failed\W+prepare\W", run.Output);
        Assert.True(run.Output.IndexOf("run-failed", StringComparison.Ordinal) < run.Output.IndexOf("run-running", StringComparison.Ordinal), "newest first");
    }

    [Fact]
    public async Task Status_WithoutRunJson_PrintsTheSummaries()
    {
        await WriteRunsAsync();

        var run = await CommandRun.RunAsync(["status", "--store", _store.StorePath, "--json"]);

        Assert.Equal(DistillCommandLine.Ok, run.ExitCode);
        using var json = JsonDocument.Parse(run.Output);
        var runs = json.RootElement.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(["run-failed", "run-running"], runs.Select(r => r.GetProperty("runId").GetString()));
        Assert.Equal(["failed", "running"], runs.Select(r => r.GetProperty("status").GetString()));
        Assert.Equal(["prepare", "distill"], runs.Select(r => r.GetProperty("stage").GetString()));
    }

    [Fact]
    public async Task Status_OfARun_ShowsItsStagesAndFailureReasons()
    {
        await WriteRunsAsync();

        var running = await CommandRun.RunAsync(["status", "run-running", "--store", _store.StorePath]);
        var failed = await CommandRun.RunAsync(["status", "run-failed", "--store", _store.StorePath]);

        Assert.Equal(DistillCommandLine.Ok, running.ExitCode);
        Assert.Contains("run run-running (tiny-kd): running", running.Output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^\W*prepare\W+completed\W+1\W.*loss 2\.5", running.Output);
        Assert.Matches(@"(?m)^\W*distill\W+running\W+1\W.*runner-a\W+step 40\W", running.Output);
        Assert.Matches(@"(?m)^\W*evaluate\W+pending\W", running.Output);
        Assert.Contains("failed at stage prepare:", failed.Output, StringComparison.Ordinal);
        Assert.Contains("  data/train.jsonl line 3 is not JSON", failed.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_OfARunJson_PrintsItsState()
    {
        await WriteRunsAsync();

        var run = await CommandRun.RunAsync(["status", "run-running", "--store", _store.StorePath, "--json"]);

        Assert.Equal(DistillCommandLine.Ok, run.ExitCode);
        var state = RunState.FromJson(run.Output);
        Assert.Equal(RunStatus.Running, state.Status);
        Assert.Equal(40, state.Stage(StageNames.Distill).LastCheckpointStep);
    }

    [Fact]
    public async Task Status_UnknownRunOrStore_ExitsOne()
    {
        var noStore = await CommandRun.RunAsync(["status", "--store", _store.StorePath]);
        await WriteRunsAsync();
        var unknown = await CommandRun.RunAsync(["status", "nope", "--store", _store.StorePath]);

        Assert.Equal(DistillCommandLine.Failure, noStore.ExitCode);
        Assert.Contains($"distill status: there is no store at {_store.StorePath}", noStore.Error, StringComparison.Ordinal);
        Assert.Equal(DistillCommandLine.Failure, unknown.ExitCode);
        Assert.Contains("distill status: there is no run 'nope'", unknown.Error, StringComparison.Ordinal);
    }

    private async Task WriteRunsAsync()
    {
        await using var store = await _store.OpenAsync();
        var runs = store.CreateContext().Runs;
        var start = DateTimeOffset.UtcNow - TimeSpan.FromMinutes(30);
        await PipelineStore.WriteRunAsync(store, "run-running", start);
        await runs.UpdateAsync("run-running", s => s.QueueStage(StageNames.Prepare, 1, start)
            .StartStage(StageNames.Prepare, 1, "runner-a", start)
            .CompleteStage(StageNames.Prepare, 1, new Dictionary<string, double> { ["loss"] = 2.5 }, new Dictionary<string, string>(), start)
            .QueueStage(StageNames.Distill, 1, start)
            .StartStage(StageNames.Distill, 1, "runner-a", start)
            .RecordCheckpoint(StageNames.Distill, 1, 40, start), PipelineStore.Cancel);
        var later = start + TimeSpan.FromMinutes(5);
        await PipelineStore.WriteRunAsync(store, "run-failed", later);
        await runs.UpdateAsync("run-failed", s => s.QueueStage(StageNames.Prepare, 1, later)
            .FailStage(StageNames.Prepare, 1, ["data/train.jsonl line 3 is not JSON"], later), PipelineStore.Cancel);
    }
}
