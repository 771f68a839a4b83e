using Distill.Contracts.Events;
using Distill.Contracts.Runs;
using Distill.Contracts.Stages;
using Distill.Contracts.Storage;
using Distill.Pipeline.Events;
using Distill.Pipeline.Messaging;
using Distill.Pipeline.Runs;
using Distill.Pipeline.Storage;
using Distill.Pipeline.Tests.Messaging;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Distill.Pipeline.Tests.Runs;

/// <summary>The pieces every handler and runner share: the topology, the event publisher and the run state store.</summary>
public sealed class PipelineInfrastructureTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly TemporaryDirectory _directory = new();
    private readonly FolderBlobStore _blobs;
    private readonly SqliteMessageBus _bus;

    public PipelineInfrastructureTests()
    {
        _blobs = new FolderBlobStore(_directory.File("blobs"), _time);
        _bus = new SqliteMessageBus(_directory.File("bus.db"), PipelineTopology.Create(), _time);
    }

    public async ValueTask DisposeAsync()
    {
        await _bus.DisposeAsync();
        _blobs.Dispose();
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task CreateContainersAsync()
    {
        foreach (var container in new[] { BlobPaths.UploadsContainer, BlobPaths.RunsContainer, BlobPaths.ModelsContainer })
        {
            await _blobs.CreateContainerIfNotExistsAsync(container, Cancel);
        }
    }

    private static StageCompleted Completed(string runId, string stage) => new()
    {
        RunId = runId,
        Stage = stage,
        Attempt = 1,
        Metrics = new Dictionary<string, double> { ["loss"] = 1.5 },
        Artifacts = new Dictionary<string, string>(),
    };

    [Fact]
    public async Task Topology_RoutesEachEventTypeToItsSubscriptionsOnly()
    {
        var publisher = new PipelineEventPublisher(_bus, _blobs, _time);
        await CreateContainersAsync();

        await publisher.PublishAsync(Completed("run-1", StageNames.Prepare), Cancel);
        await publisher.PublishAsync(new PipelineFailed { RunId = "run-1", Name = "tiny", Reasons = ["teacher/config.json: missing"] }, Cancel);

        var evaluation = await _bus.ReceiveAsync(PipelineTopology.Subscription(PipelineTopology.EvaluationSubscription), TimeSpan.Zero, Cancel);
        Assert.Equal(DistillEventTypes.StageCompleted, evaluation?.Subject);
        Assert.Null(await _bus.ReceiveAsync(PipelineTopology.Subscription(PipelineTopology.EvaluationSubscription), TimeSpan.Zero, Cancel));
        var failures = await _bus.ReceiveAsync(PipelineTopology.Subscription(PipelineTopology.DeadLetterWatchSubscription), TimeSpan.Zero, Cancel);
        Assert.Equal(DistillEventTypes.PipelineFailed, failures?.Subject);
        Assert.Null(await _bus.ReceiveAsync(PipelineTopology.Subscription(PipelineTopology.DeploymentSubscription), TimeSpan.Zero, Cancel));
    }

    [Fact]
    public async Task Publish_Twice_DeliversOnceStoresOnceAndReachesTheExternalSinkForOutcomesOnly()
    {
        await CreateContainersAsync();
        var sink = new RecordingSink();
        var publisher = new PipelineEventPublisher(_bus, _blobs, _time, sink);
        var completed = Completed("run-2", StageNames.Distill);

        var first = await publisher.PublishAsync(completed, Cancel);
        await publisher.PublishAsync(completed, Cancel);
        await publisher.PublishAsync(new PipelineFailed { RunId = "run-2", Name = "tiny", Reasons = ["gate"] }, Cancel);

        var received = await _bus.ReceiveAsync(PipelineTopology.Subscription(PipelineTopology.EvaluationSubscription), TimeSpan.Zero, Cancel);
        Assert.NotNull(received);
        var envelope = PipelineEventPublisher.Read(received);
        Assert.Equal(first.Id, envelope.Id);
        Assert.Equal("run-2", received.CorrelationId);
        Assert.Equal(StageNames.Distill, received.ApplicationProperties["stage"]);
        Assert.Equal(1.5, DistillEvents.ReadData<StageCompleted>(envelope).Metrics["loss"]);
        Assert.Null(await _bus.ReceiveAsync(PipelineTopology.Subscription(PipelineTopology.EvaluationSubscription), TimeSpan.Zero, Cancel));

        var stored = new List<string>();
        await foreach (var item in _blobs.ListAsync(BlobPaths.RunsContainer, BlobPaths.RunEvents("run-2").Prefix, Cancel))
        {
            stored.Add(item.Name);
        }
        Assert.Equal(["run-2/events/distill.pipeline.failed.json", "run-2/events/distill.stage.completed~distill~1.json"], stored);
        Assert.Equal([DistillEventTypes.PipelineFailed], sink.Events.Select(e => e.Type));
    }

    [Fact]
    public async Task TryCreate_SecondTime_ReturnsFalseAndKeepsTheFirstState()
    {
        await CreateContainersAsync();
        var store = new RunStateStore(_blobs);
        var state = RunState.Accept("run-3", "tiny", new string('a', 64), [StageNames.Prepare, StageNames.Evaluate], _time.GetUtcNow());

        Assert.True(await store.TryCreateAsync(state, Cancel));
        Assert.False(await store.TryCreateAsync(state with { Name = "other" }, Cancel));

        Assert.Equal("tiny", (await store.ReadAsync("run-3", Cancel))?.State.Name);
        Assert.Null(await store.ReadAsync("run-missing", Cancel));
    }

    [Fact]
    public async Task Update_ConcurrentWriters_EveryTransitionLandsOnceAndNoneIsLost()
    {
        await CreateContainersAsync();
        var store = new RunStateStore(_blobs);
        var now = _time.GetUtcNow();
        await store.TryCreateAsync(RunState.Accept("run-4", "tiny", new string('b', 64), [StageNames.Prepare, StageNames.Evaluate], now), Cancel);
        await store.UpdateAsync("run-4", s => s.QueueStage(StageNames.Prepare, 1, now), Cancel);
        await store.UpdateAsync("run-4", s => s.StartStage(StageNames.Prepare, 1, "runner-a", now), Cancel);

        // Eight writers record checkpoints at once; each must see the others' writes.
        var steps = Enumerable.Range(1, 8).Select(i => (long)i * 10).ToArray();
        await Task.WhenAll(steps.Select(step => Task.Run(() => store.UpdateAsync("run-4", s => s.RecordCheckpoint(StageNames.Prepare, 1, Math.Max(step, s.Stage(StageNames.Prepare).LastCheckpointStep ?? 0), now), Cancel))));

        var state = (await store.ReadAsync("run-4", Cancel))!.State;
        Assert.Equal(80, state.Stage(StageNames.Prepare).LastCheckpointStep);
    }

    [Fact]
    public async Task Update_TransitionThatChangesNothing_WritesNothing()
    {
        await CreateContainersAsync();
        var store = new RunStateStore(_blobs);
        var now = _time.GetUtcNow();
        await store.TryCreateAsync(RunState.Accept("run-5", "tiny", new string('c', 64), [StageNames.Prepare], now), Cancel);
        await store.UpdateAsync("run-5", s => s.QueueStage(StageNames.Prepare, 1, now), Cancel);
        var before = await store.ReadAsync("run-5", Cancel);

        var (_, after) = await store.UpdateAsync("run-5", s => s.QueueStage(StageNames.Prepare, 1, now), Cancel);

        Assert.Equal(StageStatus.Queued, after.Stage(StageNames.Prepare).Status);
        Assert.Equal(before?.ETag, (await store.ReadAsync("run-5", Cancel))?.ETag);
    }

    private sealed class RecordingSink : IExternalEventSink
    {
        public List<CloudEventEnvelope> Events { get; } = [];

        public Task PublishAsync(CloudEventEnvelope cloudEvent, CancellationToken cancellationToken)
        {
            Events.Add(cloudEvent);
            return Task.CompletedTask;
        }
    }
}
