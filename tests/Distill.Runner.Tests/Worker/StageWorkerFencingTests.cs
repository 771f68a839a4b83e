using Distill.Contracts.Events;
using Distill.Contracts.Runs;
using Distill.Contracts.Stages;
using Distill.Contracts.Storage;
using Distill.Pipeline.Storage;
using Distill.Runner.Tests.Support;

namespace Distill.Runner.Tests.Worker;

/// <summary>The stage lease fences a stage to one runner: one that loses it stops without a trace, and a second delivery waits.</summary>
[Collection(TrainingGroup.Name)]
public sealed class StageWorkerFencingTests(TinyModels models)
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ProcessNextAsync_LeaseTakenByAnotherHolder_StopsWithoutCompletingOrMovingThePointer()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var sandbox = new PipelineSandbox(models);
        const string Run = "fenced";
        await sandbox.SubmitAsync(Run, TestManifests.Kd(steps: 12, checkpointEvery: 2));
        var worker = sandbox.Worker("runner-a");
        await sandbox.QueueAsync(Run, StageNames.Prepare);
        Assert.Equal(StageOutcome.Completed, await worker.ProcessNextAsync(s_wait, ct));
        await sandbox.QueueAsync(Run, StageNames.Distill);

        // Right after the first checkpoint becomes current, another holder breaks the lease and takes it.
        var lease = BlobPaths.StageLease(Run, StageNames.Distill);
        var pointer = BlobPaths.StageCheckpointPointer(Run, StageNames.Distill);
        byte[]? pointerWhenTaken = null;
        sandbox.Blobs.AfterPut = async blob =>
        {
            if (pointerWhenTaken is null && blob.Name == pointer.Name)
            {
                var address = new BlobAddress(lease.Container, lease.Name);
                await sandbox.Store.BreakLeaseAsync(address, TimeSpan.Zero, CancellationToken.None);
                await sandbox.Store.AcquireLeaseAsync(address, TimeSpan.FromSeconds(60), null, CancellationToken.None);
                pointerWhenTaken = await sandbox.ReadAsync(pointer);
            }
        };
        var activities = new System.Collections.Concurrent.ConcurrentQueue<WorkerActivity>();
        var fenced = sandbox.Worker("runner-b", activity: activities.Enqueue);

        Assert.Equal(StageOutcome.Fenced, await fenced.ProcessNextAsync(s_wait, ct));

        Assert.NotNull(pointerWhenTaken);
        Assert.Equal(pointerWhenTaken, await sandbox.ReadAsync(pointer));
        Assert.DoesNotContain(await sandbox.EventsAsync<StageCompleted>(Run), c => c.Stage == StageNames.Distill);
        var distill = (await sandbox.StateAsync(Run)).Stage(StageNames.Distill);
        Assert.Equal(StageStatus.Running, distill.Status);
        // The checkpoint of step 2 became current before the lease was taken, but its record in the state came after: refused.
        Assert.Null(distill.LastCheckpointStep);
        Assert.False(await sandbox.ExistsAsync(BlobPaths.Artifact(Run, ArtifactNames.Student).Child("model.safetensors")));
        var settled = Assert.Single(activities, a => a.Kind == WorkerActivityKind.Settled);
        Assert.Contains("lease", settled.Message, StringComparison.Ordinal);

        // The lock was still held, so the message went back; while the other holder keeps the lease, it only waits.
        sandbox.Blobs.AfterPut = null;
        Assert.Equal(StageOutcome.Busy, await worker.ProcessNextAsync(s_wait, ct));
    }

    [Fact]
    public async Task ProcessNextAsync_SecondDeliveryWhileTheFirstRunnerTrains_IsAbandonedAndTheStageTrainsOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var sandbox = new PipelineSandbox(models);
        const string Run = "twice";
        await sandbox.SubmitAsync(Run, TestManifests.Kd());
        var counting = new CountingExecutors();
        var first = sandbox.Worker("runner-a", executors: counting.Executors);
        var second = sandbox.Worker("runner-b", executors: counting.Executors);
        await sandbox.QueueAsync(Run, StageNames.Prepare);
        Assert.Equal(StageOutcome.Completed, await first.ProcessNextAsync(s_wait, ct));
        var command = await sandbox.QueueAsync(Run, StageNames.Distill);

        // The first runner holds at its first checkpoint write while the same command is delivered again.
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        sandbox.Blobs.BeforePut = async blob =>
        {
            if (blob.Name.Contains("/stages/distill/checkpoints/step-", StringComparison.Ordinal))
            {
                holding.TrySetResult();
                await release.Task;
            }
        };
        var training = Task.Run(() => first.ProcessNextAsync(s_wait, ct), ct);
        await holding.Task.WaitAsync(s_wait, ct);
        await sandbox.SendAsync(command, command.MessageId + ":again");

        Assert.Equal(StageOutcome.Busy, await second.ProcessNextAsync(s_wait, ct));

        sandbox.Blobs.BeforePut = null;
        release.SetResult();
        Assert.Equal(StageOutcome.Completed, await training);
        Assert.Equal(StageOutcome.Duplicate, await second.ProcessNextAsync(s_wait, ct));
        Assert.Equal(1, counting.Runs(StageNames.Distill));
        Assert.Equal(StageStatus.Completed, (await sandbox.StateAsync(Run)).Stage(StageNames.Distill).Status);
        Assert.Equal("runner-a", (await sandbox.StateAsync(Run)).Stage(StageNames.Distill).Runner);
        Assert.Equal(0, await sandbox.CountVisibleAsync(Pipeline.PipelineTopology.StagesQueue));
    }
}
