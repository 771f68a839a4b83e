using System.Text;
using Distill.Contracts.Events;
using Distill.Contracts.Stages;
using Distill.Contracts.Storage;
using Distill.Pipeline;
using Distill.Pipeline.Messaging;
using Distill.Pipeline.Storage;
using Distill.Runner.Tests.Support;

namespace Distill.Runner.Tests.Worker;

/// <summary>Bad input fails the stage once, with reasons naming the file; other errors are retried by redelivery.</summary>
[Collection(TrainingGroup.Name)]
public sealed class StageWorkerFailureTests(TinyModels models)
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ProcessNextAsync_TruncatedTeacherWeights_FailsNamingTheFileAndCompletesTheMessage()
    {
        var reasons = await PrepareFailsAsync("corrupt", teacher =>
        {
            var path = Path.Join(teacher, "model.safetensors");
            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes[..^100]);
        });

        var reason = Assert.Single(reasons);
        Assert.Contains("uploads/corrupt/teacher/model.safetensors", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProcessNextAsync_TokenizerOfAnotherModel_FailsNamingTheTokenizer()
    {
        var reasons = await PrepareFailsAsync("mismatch", teacher =>
            File.Copy(Path.Join(models.LargerTokenizerFolder, "tokenizer.json"), Path.Join(teacher, "tokenizer.json"), overwrite: true));

        var reason = Assert.Single(reasons);
        Assert.Contains("uploads/mismatch/teacher/tokenizer.json has 320 tokens", reason, StringComparison.Ordinal);
        Assert.Contains("does not belong", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProcessNextAsync_ManifestChangedAfterAcceptance_FailsSayingSo()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var sandbox = new PipelineSandbox(models);
        await sandbox.SubmitAsync("changed", TestManifests.Kd());
        var manifest = BlobPaths.UploadManifest("changed");
        await sandbox.Store.PutAsync(new BlobAddress(manifest.Container, manifest.Name), new MemoryStream(Encoding.UTF8.GetBytes(TestManifests.Kd(steps: 7))), null, ct);
        await sandbox.QueueAsync("changed", StageNames.Prepare);

        Assert.Equal(StageOutcome.Failed, await sandbox.Worker("runner-a").ProcessNextAsync(s_wait, ct));

        var failed = Assert.Single(await sandbox.EventsAsync<StageFailed>("changed"));
        Assert.Contains("uploads/changed/pipeline.json changed after the run was accepted", Assert.Single(failed.Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProcessNextAsync_StoreFailsOnce_AbandonsThenSucceedsOnTheRedelivery()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var sandbox = new PipelineSandbox(models);
        await sandbox.SubmitAsync("flaky", TestManifests.Kd());
        var failures = 0;
        sandbox.Blobs.BeforeGet = blob =>
        {
            if (blob.Name == "flaky/teacher/model.safetensors" && Interlocked.Increment(ref failures) == 1)
            {
                throw new IOException("the connection was reset");
            }
            return Task.CompletedTask;
        };
        var activities = new System.Collections.Concurrent.ConcurrentQueue<WorkerActivity>();
        var worker = sandbox.Worker("runner-a", activity: activities.Enqueue);
        await sandbox.QueueAsync("flaky", StageNames.Prepare);

        Assert.Equal(StageOutcome.Transient, await worker.ProcessNextAsync(s_wait, ct));
        Assert.Empty(await sandbox.EventsAsync<StageFailed>("flaky"));
        Assert.Equal(StageOutcome.Completed, await worker.ProcessNextAsync(s_wait, ct));

        Assert.Equal(2, failures);
        Assert.Contains(activities, a => a is { Kind: WorkerActivityKind.Settled, Outcome: StageOutcome.Transient } && a.Message.Contains("the connection was reset", StringComparison.Ordinal));
        Assert.Contains(activities, a => a.Kind == WorkerActivityKind.Received && a.Message == "delivery 2");
        Assert.Single(await sandbox.EventsAsync<StageCompleted>("flaky"));
    }

    [Fact]
    public async Task ProcessNextAsync_NotAStageCommand_IsAbandonedUntilTheBusDeadLettersIt()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var sandbox = new PipelineSandbox(models);
        await sandbox.Bus.SendAsync(PipelineTopology.StagesQueue, BusMessage.FromText("{\"hello\": 1}"), ct);
        var worker = sandbox.Worker("runner-a");

        for (var delivery = 1; delivery <= PipelineTopology.StageMaxDeliveryCount; delivery++)
        {
            Assert.Equal(StageOutcome.Rejected, await worker.ProcessNextAsync(s_wait, ct));
        }

        Assert.Null(await worker.ProcessNextAsync(TimeSpan.Zero, ct));
        var dead = await sandbox.Bus.ReceiveAsync(EntityPath.DeadLetterQueue(PipelineTopology.StagesQueue), TimeSpan.Zero, ct);
        Assert.NotNull(dead);
        Assert.Equal(DeadLetterReasons.MaxDeliveryCountExceeded, dead.DeadLetterReason);
    }

    /// <summary>Runs prepare on a run whose teacher <paramref name="editTeacher"/> spoiled; returns the stage.failed reasons.</summary>
    private async Task<IReadOnlyList<string>> PrepareFailsAsync(string run, Action<string> editTeacher)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var sandbox = new PipelineSandbox(models);
        await sandbox.SubmitAsync(run, TestManifests.Kd(), editTeacher);
        await sandbox.QueueAsync(run, StageNames.Prepare);

        Assert.Equal(StageOutcome.Failed, await sandbox.Worker("runner-a").ProcessNextAsync(s_wait, ct));

        Assert.Equal(0, await sandbox.CountVisibleAsync(PipelineTopology.StagesQueue));
        Assert.Equal(0, await sandbox.CountVisibleAsync(EntityPath.DeadLetterQueue(PipelineTopology.StagesQueue)));
        Assert.Empty(await sandbox.EventsAsync<StageCompleted>(run));
        var failed = Assert.Single(await sandbox.EventsAsync<StageFailed>(run));
        Assert.Equal(StageNames.Prepare, failed.Stage);
        return failed.Reasons;
    }
}
