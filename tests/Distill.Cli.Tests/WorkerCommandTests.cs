using System.Text.Json;
using Distill.Contracts;
using Distill.Contracts.Runs;
using Distill.Contracts.Stages;
using Distill.Contracts.Storage;
using Distill.Pipeline;
using Distill.Pipeline.Messaging;
using Distill.Pipeline.Runs;
using Distill.Pipeline.Local;

namespace Distill.Cli.Tests;

public sealed class WorkerCommandTests : IDisposable
{
    private readonly string _store = Directory.CreateTempSubdirectory("distill-cli-worker-").FullName;

    public void Dispose() => Directory.Delete(_store, recursive: true);

    [Fact]
    public async Task Worker_IdleExitOnAnEmptyQueue_ExitsPrintingNothing()
    {
        var run = await CommandRun.RunAsync(["worker", "--store", _store, "--idle-exit", "0.2"]);

        Assert.Equal(DistillCommandLine.Ok, run.ExitCode);
        Assert.Equal("", run.Output);
        Assert.True(File.Exists(Path.Join(_store, LocalStore.BusFileName)));
        Assert.True(Directory.Exists(Path.Join(_store, LocalStore.BlobsFolderName, BlobPaths.RunsContainer)));
    }

    [Fact]
    public async Task Worker_OnceOnACommandAlreadyDone_PrintsALinePerStepAndCompletesIt()
    {
        await QueueCompletedPrepareAsync("run7");

        var run = await CommandRun.RunAsync(["worker", "--store", _store, "--runner-id", "cli-runner", "--once"]);

        Assert.Equal(DistillCommandLine.Ok, run.ExitCode);
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ run7/prepare#1 received: delivery 1$", lines[0]);
        Assert.EndsWith(" run7/prepare#1 duplicate: without work: the stage already completed this attempt", lines[1], StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Join(_store, "runners", "cli-runner")));
    }

    [Fact]
    public async Task Worker_WithoutARunnerId_RemovesItsFolderWhenItStops()
    {
        await QueueCompletedPrepareAsync("run9");

        var run = await CommandRun.RunAsync(["worker", "--store", _store, "--once"]);

        Assert.Equal(DistillCommandLine.Ok, run.ExitCode);
        Assert.Contains("run9/prepare#1 duplicate", run.Output, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Join(_store, "runners")));
    }

    [Fact]
    public async Task Worker_Json_PrintsOneObjectPerLine()
    {
        await QueueCompletedPrepareAsync("run8");

        var run = await CommandRun.RunAsync(["worker", "--store", _store, "--once", "--json"]);

        Assert.Equal(DistillCommandLine.Ok, run.ExitCode);
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["received", "duplicate"], lines.Select(l => l.GetProperty("kind").GetString()));
        Assert.All(lines, l => Assert.Equal("run8", l.GetProperty("runId").GetString()));
        Assert.Equal("run8:prepare:1", lines[1].GetProperty("messageId").GetString());
    }

    [Fact]
    public async Task Worker_RunnerIdWithASlash_IsBadUsage()
    {
        var run = await CommandRun.RunAsync(["worker", "--store", _store, "--runner-id", "a/b", "--once"]);

        Assert.Equal(DistillCommandLine.BadUsage, run.ExitCode);
        Assert.Contains("runner id 'a/b' cannot name a folder", run.Error, StringComparison.Ordinal);
    }

    /// <summary>A run whose prepare stage completed, and its command on the queue again (a redelivery).</summary>
    private async Task QueueCompletedPrepareAsync(string runId)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var local = await LocalStore.OpenAsync(_store, TimeProvider.System, ct);
        await local.Blobs.CreateContainerIfNotExistsAsync(BlobPaths.RunsContainer, ct);
        var now = DateTimeOffset.UtcNow;
        var state = RunState.Accept(runId, "tiny", "ab12", StagePlan.For("kd"), now)
            .QueueStage(StageNames.Prepare, 1, now)
            .StartStage(StageNames.Prepare, 1, "earlier-runner", now)
            .CompleteStage(StageNames.Prepare, 1, new Dictionary<string, double> { ["trainBlocks"] = 3 },
                new Dictionary<string, string> { [ArtifactNames.Dataset] = $"runs/{runId}/artifacts/dataset" }, now);
        Assert.True(await new RunStateStore(local.Blobs).TryCreateAsync(state, ct));
        var command = RunStageCommand.Create(runId, StageNames.Prepare, 1, now, "ab12");
        var message = BusMessage.FromJson(command, ContractsJsonContext.Default.RunStageCommand);
        message.MessageId = command.MessageId;
        await local.Bus.SendAsync(PipelineTopology.StagesQueue, message, ct);
    }
}
