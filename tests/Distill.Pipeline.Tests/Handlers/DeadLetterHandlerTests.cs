using Distill.Contracts.Events;
using Distill.Contracts.Runs;
using Distill.Contracts.Stages;
using Distill.Pipeline.Handlers;
using Distill.Pipeline.Messaging;

namespace Distill.Pipeline.Tests.Handlers;

public sealed class DeadLetterHandlerTests : IAsyncLifetime
{
    private PipelineHarness _harness = null!;

    private static CancellationToken Cancel => PipelineHarness.Cancel;

    private static string StagesDeadLetters => EntityPath.DeadLetterQueue(PipelineTopology.StagesQueue);

    public async ValueTask InitializeAsync() => _harness = await PipelineHarness.CreateAsync();

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Fact]
    public async Task StageCommandDeadLettered_FailsTheRunWithTheDeliveryCountAndTheReason()
    {
        await _harness.WriteUploadAsync("run-1", TestUpload.Valid());
        await _harness.Handlers.Uploads.HandleUploadAsync("run-1", Cancel);
        await ExhaustDeliveriesAsync();

        var outcome = await _harness.Handlers.ProcessNextAsync(StagesDeadLetters, TimeSpan.Zero, Cancel);

        Assert.Equal(HandlerOutcome.Handled, outcome);
        var state = await _harness.StateAsync("run-1");
        Assert.Equal(RunStatus.Failed, state.Status);
        Assert.Equal(StageStatus.Failed, state.Stage(StageNames.Prepare).Status);
        Assert.Equal(StageNames.Prepare, state.Failure?.Stage);
        Assert.Equal(
            ["stage 'prepare' (attempt 1) failed after 5 deliveries: MaxDeliveryCountExceeded: Message could not be consumed after 5 delivery attempts."],
            state.Failure?.Reasons);
        var failed = Assert.Single(await _harness.DrainEventsAsync<PipelineFailed>(PipelineTopology.DeadLetterWatchSubscription));
        Assert.Equal(StageNames.Prepare, failed.FailedStage);
        Assert.Null(await _harness.Bus.ReceiveAsync(StagesDeadLetters, TimeSpan.Zero, Cancel));
    }

    [Fact]
    public async Task StageCommandDeadLettered_Redelivered_ChangesNothingMore()
    {
        await _harness.WriteUploadAsync("run-2", TestUpload.Valid());
        await _harness.Handlers.Uploads.HandleUploadAsync("run-2", Cancel);
        await ExhaustDeliveriesAsync();
        var dead = await _harness.Bus.ReceiveAsync(StagesDeadLetters, TimeSpan.Zero, Cancel);
        Assert.NotNull(dead);

        await _harness.Handlers.DeadLetters.HandleAsync(dead, Cancel);
        var first = await _harness.Context.Runs.ReadAsync("run-2", Cancel);
        await _harness.Handlers.DeadLetters.HandleAsync(dead, Cancel);

        Assert.Equal(first?.ETag, (await _harness.Context.Runs.ReadAsync("run-2", Cancel))?.ETag);
        Assert.Single(await _harness.DrainEventsAsync<PipelineFailed>(PipelineTopology.DeadLetterWatchSubscription));
    }

    [Fact]
    public async Task StageCommandDeadLettered_AfterTheStageCompleted_IsDropped()
    {
        await _harness.WriteUploadAsync("run-3", TestUpload.Valid());
        await _harness.Handlers.Uploads.HandleUploadAsync("run-3", Cancel);
        await ExhaustDeliveriesAsync();
        await _harness.StartAsync("run-3", StageNames.Prepare);
        await _harness.Handlers.StageEvents.OnStageCompletedAsync(PipelineHarness.Completed("run-3", StageNames.Prepare), Cancel);

        await _harness.Handlers.ProcessNextAsync(StagesDeadLetters, TimeSpan.Zero, Cancel);

        var state = await _harness.StateAsync("run-3");
        Assert.Equal(RunStatus.Running, state.Status);
        Assert.Equal(StageStatus.Queued, state.Stage(StageNames.Distill).Status);
        Assert.Empty(await _harness.DrainAsync(PipelineTopology.Subscription(PipelineTopology.DeadLetterWatchSubscription)));
    }

    [Fact]
    public async Task UploadNotificationDeadLettered_BeforeTheRunExisted_RecordsTheRunAsFailed()
    {
        await _harness.WriteUploadAsync("run-4", TestUpload.Valid());
        await _harness.NotifyAsync("run-4");
        for (var delivery = 0; delivery < PipelineTopology.UploadMaxDeliveryCount; delivery++)
        {
            var message = await _harness.Bus.ReceiveAsync(PipelineTopology.UploadEventsQueue, TimeSpan.Zero, Cancel);
            Assert.NotNull(message);
            await _harness.Bus.AbandonAsync(message, TimeSpan.Zero, Cancel);
        }

        await _harness.Handlers.ProcessNextAsync(EntityPath.DeadLetterQueue(PipelineTopology.UploadEventsQueue), TimeSpan.Zero, Cancel);

        var state = await _harness.StateAsync("run-4");
        Assert.Equal(RunStatus.Failed, state.Status);
        Assert.Equal("tiny-kd", state.Name);
        Assert.StartsWith("the notification of uploads/run-4/pipeline.json failed after 5 deliveries: MaxDeliveryCountExceeded", Assert.Single(state.Failure?.Reasons ?? []), StringComparison.Ordinal);
        Assert.Single(await _harness.DrainEventsAsync<PipelineFailed>(PipelineTopology.DeadLetterWatchSubscription));
    }

    [Fact]
    public async Task StageEventDeadLettered_FailsTheRun()
    {
        await _harness.WriteUploadAsync("run-5", TestUpload.Valid());
        await _harness.Handlers.Uploads.HandleUploadAsync("run-5", Cancel);
        await _harness.StartAsync("run-5", StageNames.Prepare);
        await _harness.Context.Events.PublishAsync(PipelineHarness.Completed("run-5", StageNames.Prepare), Cancel);
        var evaluation = PipelineTopology.Subscription(PipelineTopology.EvaluationSubscription);
        for (var delivery = 0; delivery < 10; delivery++)
        {
            var message = await _harness.Bus.ReceiveAsync(evaluation, TimeSpan.Zero, Cancel);
            Assert.NotNull(message);
            await _harness.Bus.AbandonAsync(message, TimeSpan.Zero, Cancel);
        }

        await _harness.Handlers.ProcessNextAsync(EntityPath.DeadLetterQueue(evaluation), TimeSpan.Zero, Cancel);

        var state = await _harness.StateAsync("run-5");
        Assert.Equal(RunStatus.Failed, state.Status);
        Assert.StartsWith("the pipeline could not process distill.stage.completed of stage 'prepare' (attempt 1): it failed after 10 deliveries",
            Assert.Single(state.Failure?.Reasons ?? []), StringComparison.Ordinal);
    }

    /// <summary>The stages queue's command is received and abandoned until the bus dead-letters it.</summary>
    private async Task ExhaustDeliveriesAsync()
    {
        for (var delivery = 0; delivery < PipelineTopology.StageMaxDeliveryCount; delivery++)
        {
            var message = await _harness.Bus.ReceiveAsync(PipelineTopology.StagesQueue, TimeSpan.Zero, Cancel);
            Assert.NotNull(message);
            await _harness.Bus.AbandonAsync(message, TimeSpan.Zero, Cancel);
        }
        Assert.Null(await _harness.Bus.ReceiveAsync(PipelineTopology.StagesQueue, TimeSpan.Zero, Cancel));
    }
}
