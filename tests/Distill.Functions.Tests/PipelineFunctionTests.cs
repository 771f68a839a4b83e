using System.Net;
using Distill.Contracts.Events;
using Distill.Contracts.Runs;
using Distill.Contracts.Stages;
using Distill.Pipeline;
using Distill.Pipeline.Messaging;
using Distill.Pipeline.Tests.Handlers;

namespace Distill.Functions.Tests;

/// <summary>The stage events function and the dead-letter functions, each fed the message the local bus delivers for that entity.</summary>
public sealed class PipelineFunctionTests : IAsyncLifetime
{
    private FunctionsApp _app = null!;

    private static CancellationToken Cancel => FunctionsApp.Cancel;

    public async ValueTask InitializeAsync() => _app = await FunctionsApp.StartAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    /// <summary>An accepted run (through OnUpload) whose prepare command a runner took; returns the command's message.</summary>
    private async Task<ReceivedBusMessage> AcceptAndStartPrepareAsync(string runId)
    {
        await _app.WriteUploadAsync(runId, TestUpload.Valid());
        Assert.Equal(HttpStatusCode.OK, (await _app.InvokeAsync(new HostInvocation { Body = OnUploadTests.EventGridBlobCreated(runId), MessageId = runId + "-created" })).StatusCode);
        var command = Assert.Single(await _app.DrainAsync(PipelineTopology.StagesQueue));
        await _app.Context.Runs.UpdateAsync(runId, s => s.StartStage(StageNames.Prepare, 1, "runner-a", _app.Time.GetUtcNow()), Cancel);
        return command;
    }

    [Fact]
    public async Task OnStageEvent_PrepareCompletedFromTheEvaluationSubscription_CompletesTheStageAndQueuesDistill()
    {
        await AcceptAndStartPrepareAsync("run-1");
        await _app.Context.Events.PublishAsync(new StageCompleted
        {
            RunId = "run-1",
            Stage = StageNames.Prepare,
            Attempt = 1,
            Metrics = new Dictionary<string, double> { ["tokens"] = 42 },
            Artifacts = new Dictionary<string, string>(),
        }, Cancel);
        var delivered = Assert.Single(await _app.DrainAsync(PipelineTopology.Subscription(PipelineTopology.EvaluationSubscription)));

        var (status, _, logs, _) = await FunctionsApp.ReadAsync(await _app.InvokeAsync(HostInvocation.From(delivered, "OnStageEvent")));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(logs, l => l.Contains("Queued stage distill attempt 1", StringComparison.Ordinal));
        var state = (await _app.Context.Runs.ReadAsync("run-1", Cancel))!.State;
        Assert.Equal(StageStatus.Completed, state.Stage(StageNames.Prepare).Status);
        Assert.Equal(StageStatus.Queued, state.Stage(StageNames.Distill).Status);
        var next = RunStageCommand.FromJson(Assert.Single(await _app.DrainAsync(PipelineTopology.StagesQueue)).BodyToString());
        Assert.Equal(StageNames.Distill, next.Stage);
    }

    [Fact]
    public async Task OnStageDeadLetter_StageCommandDeadLetteredAfterMaxDeliveries_FailsTheRunWithTheReason()
    {
        var command = await AcceptAndStartPrepareAsync("run-2");
        var invocation = HostInvocation.From(command, "OnStageDeadLetter", deliveryCount: 1);
        invocation.ApplicationProperties["DeadLetterReason"] = DeadLetterReasons.MaxDeliveryCountExceeded;
        invocation.ApplicationProperties["DeadLetterErrorDescription"] = "Message could not be consumed after 5 delivery attempts.";

        var (status, _, logs, _) = await FunctionsApp.ReadAsync(await _app.InvokeAsync(invocation));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(logs, l => l.StartsWith("Error: Run run-2 failed", StringComparison.Ordinal));
        var state = (await _app.Context.Runs.ReadAsync("run-2", Cancel))!.State;
        Assert.Equal(RunStatus.Failed, state.Status);
        Assert.Equal(
            "stage 'prepare' (attempt 1) failed after 5 deliveries: MaxDeliveryCountExceeded: Message could not be consumed after 5 delivery attempts.",
            Assert.Single(state.Failure!.Reasons));
        var failed = DistillEvents.ReadData<PipelineFailed>(Pipeline.Events.PipelineEventPublisher.Read(
            Assert.Single(await _app.DrainAsync(PipelineTopology.Subscription(PipelineTopology.DeadLetterWatchSubscription)))));
        Assert.Equal(state.Failure.Reasons, failed.Reasons);
    }

    [Fact]
    public async Task OnUploadDeadLetter_NotificationOfAnUploadNeverAccepted_RecordsTheRunAsFailed()
    {
        await _app.WriteUploadAsync("run-3", TestUpload.Valid());
        var invocation = new HostInvocation
        {
            FunctionName = "OnUploadDeadLetter",
            Body = OnUploadTests.EventGridBlobCreated("run-3"),
            MessageId = "831e1650-001e-001b-66ab-eeb76e069631",
            ApplicationProperties = { ["DeadLetterReason"] = DeadLetterReasons.MaxDeliveryCountExceeded, ["aeg-event-type"] = "Notification" },
        };

        var response = await _app.InvokeAsync(invocation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var state = (await _app.Context.Runs.ReadAsync("run-3", Cancel))!.State;
        Assert.Equal(RunStatus.Failed, state.Status);
        Assert.StartsWith("the notification of uploads/run-3/pipeline.json failed after 5 deliveries: MaxDeliveryCountExceeded", Assert.Single(state.Failure!.Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnStageEventDeadLetter_StageEventTheHandlersCouldNotProcess_FailsTheRun()
    {
        await AcceptAndStartPrepareAsync("run-4");
        await _app.Context.Events.PublishAsync(new StageCompleted
        {
            RunId = "run-4",
            Stage = StageNames.Prepare,
            Attempt = 1,
            Metrics = new Dictionary<string, double>(),
            Artifacts = new Dictionary<string, string>(),
        }, Cancel);
        var delivered = Assert.Single(await _app.DrainAsync(PipelineTopology.Subscription(PipelineTopology.EvaluationSubscription)));
        var invocation = HostInvocation.From(delivered, "OnStageEventDeadLetter");
        invocation.ApplicationProperties["DeadLetterReason"] = DeadLetterReasons.MaxDeliveryCountExceeded;

        var response = await _app.InvokeAsync(invocation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var state = (await _app.Context.Runs.ReadAsync("run-4", Cancel))!.State;
        Assert.Equal(RunStatus.Failed, state.Status);
        Assert.Contains("could not process distill.stage.completed of stage 'prepare'", Assert.Single(state.Failure!.Reasons), StringComparison.Ordinal);
    }
}
