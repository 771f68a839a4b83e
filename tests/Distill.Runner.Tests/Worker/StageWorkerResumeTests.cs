using Distill.Contracts.Stages;
using Distill.Contracts.Storage;
using Distill.Contracts.Checkpoints;
using Distill.Runner.Tests.Support;

namespace Distill.Runner.Tests.Worker;

/// <summary>A runner stopped mid-stage hands it back; another resumes from the blob checkpoint and ends where one uninterrupted run does.</summary>
[Collection(TrainingGroup.Name)]
public sealed class StageWorkerResumeTests(TinyModels models)
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ProcessNextAsync_StoppedAfterACheckpoint_AnotherRunnerResumesToTheSameStudent()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var sandbox = new PipelineSandbox(models);
        var manifest = TestManifests.Kd(steps: 8, checkpointEvery: 2);
        await sandbox.SubmitAsync("straight", manifest);
        await sandbox.SubmitAsync("resumed", manifest);
        var first = sandbox.Worker("runner-1");

        // One run in one go.
        await sandbox.QueueAsync("straight", StageNames.Prepare);
        Assert.Equal(StageOutcome.Completed, await first.ProcessNextAsync(s_wait, ct));
        await sandbox.QueueAsync("straight", StageNames.Distill);
        Assert.Equal(StageOutcome.Completed, await first.ProcessNextAsync(s_wait, ct));

        // The same run, its runner stopped (as by SIGTERM) once a checkpoint is recorded.
        await sandbox.QueueAsync("resumed", StageNames.Prepare);
        Assert.Equal(StageOutcome.Completed, await first.ProcessNextAsync(s_wait, ct));
        await sandbox.QueueAsync("resumed", StageNames.Distill);
        using var shutdown = new CancellationTokenSource();
        var stopping = sandbox.Worker("runner-2", activity: a =>
        {
            if (a is { Kind: WorkerActivityKind.Progress, Metrics: { } metrics } && metrics.ContainsKey("checkpointStep"))
            {
                shutdown.Cancel();
            }
        });
        Assert.Equal(StageOutcome.Interrupted, await stopping.ProcessNextAsync(s_wait, shutdown.Token));
        var stopped = (await sandbox.StateAsync("resumed")).Stage(StageNames.Distill);
        Assert.Equal(Contracts.Runs.StageStatus.Running, stopped.Status);
        Assert.InRange(stopped.LastCheckpointStep ?? 0, 2, 7);
        Assert.False(await sandbox.ExistsAsync(BlobPaths.Artifact("resumed", ArtifactNames.Student).Child("model.safetensors")));

        // The message went back at once; a third runner takes it and resumes.
        var messages = new System.Collections.Concurrent.ConcurrentQueue<WorkerActivity>();
        var resuming = sandbox.Worker("runner-3", activity: messages.Enqueue);
        Assert.Equal(StageOutcome.Completed, await resuming.ProcessNextAsync(TimeSpan.Zero, ct));
        Assert.Contains(messages, m => m.Kind == WorkerActivityKind.Started && m.Message.Contains("resuming from the checkpoint of step", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Kind == WorkerActivityKind.Received && m.Message == "delivery 2");
        Assert.Equal("runner-3", (await sandbox.StateAsync("resumed")).Stage(StageNames.Distill).Runner);

        var straight = await TensorBytesAsync(sandbox, "straight");
        var resumed = await TensorBytesAsync(sandbox, "resumed");
        Assert.Equal(straight.Keys.Order(StringComparer.Ordinal), resumed.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, bytes) in straight)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(resumed[name]), $"tensor {name} differs between the uninterrupted and the resumed student");
        }
    }

    /// <summary>Every tensor's bytes in the student's model.safetensors.</summary>
    private static async Task<Dictionary<string, byte[]>> TensorBytesAsync(PipelineSandbox sandbox, string run)
    {
        var bytes = await sandbox.ReadAsync(BlobPaths.Artifact(run, ArtifactNames.Student).Child("model.safetensors"));
        var headerLength = (int)SafeTensorsHeader.ReadLength("model.safetensors", bytes.AsSpan(0, 8), bytes.Length);
        var header = SafeTensorsHeader.Parse("model.safetensors", bytes.AsSpan(8, headerLength), bytes.Length);
        var data = 8 + headerLength;
        return header.Entries.ToDictionary(t => t.Name, t => bytes[(data + (int)t.Begin)..(data + (int)t.End)], StringComparer.Ordinal);
    }
}
