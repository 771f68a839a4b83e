using System.Net;
using Distill.Contracts.Events;
using Distill.Contracts.Runs;
using Distill.Contracts.Stages;
using Distill.Contracts.Storage;
using Distill.Pipeline;
using Distill.Pipeline.Events;
using Distill.Pipeline.Tests.Handlers;
using Distill.Pipeline.Storage;
using Distill.Pipeline.Uploads;

namespace Distill.Functions.Tests;

public sealed class OnUploadTests : IAsyncLifetime
{
    private FunctionsApp _app = null!;

    public async ValueTask InitializeAsync() => _app = await FunctionsApp.StartAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    /// <summary>
    /// A BlobCreated event in the Event Grid schema, one per message, as an Event Grid subscription with the Service Bus
    /// queue destination delivers it (azure.md §6.1).
    /// </summary>
    internal static string EventGridBlobCreated(string uploadId, string blob = "pipeline.json", string id = "831e1650-001e-001b-66ab-eeb76e069631") => $$$"""
        {"topic":"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-distill/providers/Microsoft.Storage/storageAccounts/stdistill",
         "subject":"/blobServices/default/containers/uploads/blobs/{{{uploadId}}}/{{{blob}}}",
         "eventType":"Microsoft.Storage.BlobCreated","eventTime":"2026-03-01T11:58:00.9584103Z","id":"{{{id}}}",
         "data":{"api":"PutBlob","clientRequestId":"6d79dbfb-0e37-4fc4-981f-442c9ca89db5","requestId":"831e1650-001e-001b-66ab-eeb76e000000",
                 "eTag":"\"0x8D4BCC2E4835CD0\"","contentType":"application/json","contentLength":512,"blobType":"BlockBlob",
                 "url":"https://stdistill.blob.core.windows.net/uploads/{{{uploadId}}}/{{{blob}}}","sequencer":"00000000000004420000000000028963",
                 "storageDiagnostics":{"batchId":"b68529f3-68cd-4744-baa4-3c0498ec19f0"}},
         "dataVersion":"","metadataVersion":"1"}
        """;

    /// <summary>The same event in the CloudEvents 1.0 schema (<c>CloudEventSchemaV1_0</c> delivery).</summary>
    internal static string CloudEventBlobCreated(string uploadId) => $$$"""
        {"specversion":"1.0","type":"Microsoft.Storage.BlobCreated",
         "source":"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-distill/providers/Microsoft.Storage/storageAccounts/stdistill",
         "subject":"/blobServices/default/containers/uploads/blobs/{{{uploadId}}}/pipeline.json","id":"9aeb0fdf-c01e-0131-0922-9eb54906e209",
         "time":"2026-03-01T11:58:00.9584103Z",
         "data":{"api":"PutBlockList","eTag":"\"0x8D4BCC2E4835CD0\"","contentType":"application/json","contentLength":512,"blobType":"BlockBlob",
                 "url":"https://stdistill.blob.core.windows.net/uploads/{{{uploadId}}}/pipeline.json","sequencer":"00000000000004420000000000028963"}}
        """;

    private static HostInvocation Upload(string body, string messageId = "831e1650-001e-001b-66ab-eeb76e069631", int deliveryCount = 1) => new()
    {
        FunctionName = "OnUpload",
        Body = body,
        MessageId = messageId,
        DeliveryCount = deliveryCount,
        ApplicationProperties =
        {
            ["aeg-subscription-name"] = "UPLOADS-TO-SB",
            ["aeg-delivery-count"] = "0",
            ["aeg-event-type"] = "Notification",
            ["aeg-metadata-version"] = "1",
            ["aeg-data-version"] = "",
            ["aeg-output-event-id"] = messageId,
        },
    };

    [Theory]
    [InlineData("EventGridSchema")]
    [InlineData("CloudEventSchemaV1_0")]
    public async Task OnUpload_BlobCreatedOfAValidUpload_AcceptsTheRunQueuesPrepareAndAnswersOkWithTheLogs(string schema)
    {
        await _app.WriteUploadAsync("run-1", TestUpload.Valid());
        var body = schema == "EventGridSchema" ? EventGridBlobCreated("run-1") : CloudEventBlobCreated("run-1");

        var (status, outputs, logs, returnValue) = await FunctionsApp.ReadAsync(await _app.InvokeAsync(Upload(body)));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Empty(outputs.EnumerateObject());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, returnValue.ValueKind);
        Assert.Contains(logs, l => l.StartsWith("Information: Run run-1 (tiny-kd) accepted", StringComparison.Ordinal));
        Assert.Contains(logs, l => l.Contains("Queued stage prepare attempt 1", StringComparison.Ordinal));
        var state = (await _app.Context.Runs.ReadAsync("run-1", FunctionsApp.Cancel))?.State;
        Assert.Equal(RunStatus.Accepted, state?.Status);
        var command = RunStageCommand.FromJson(Assert.Single(await _app.DrainAsync(PipelineTopology.StagesQueue)).BodyToString());
        Assert.Equal(("run-1", StageNames.Prepare, 1), (command.RunId, command.Stage, command.Attempt));
        var accepted = await _app.Store.Blobs.TryReadAllBytesAsync(BlobPaths.RunEvent("run-1", "run-1:distill.run.accepted").ToAddress(), FunctionsApp.Cancel);
        Assert.True(accepted.HasValue, "distill.run.accepted was not published to the run's events");
    }

    [Fact]
    public async Task OnUpload_SameMessageDeliveredTwice_CreatesOneRunAndQueuesOneCommand()
    {
        await _app.WriteUploadAsync("run-2", TestUpload.Valid());

        var first = await _app.InvokeAsync(Upload(EventGridBlobCreated("run-2")));
        var etag = (await _app.Context.Runs.ReadAsync("run-2", FunctionsApp.Cancel))?.ETag;
        _app.Time.Advance(TimeSpan.FromSeconds(30));
        var second = await _app.InvokeAsync(Upload(EventGridBlobCreated("run-2"), deliveryCount: 2));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(etag, (await _app.Context.Runs.ReadAsync("run-2", FunctionsApp.Cancel))?.ETag);
        Assert.Single(await _app.DrainAsync(PipelineTopology.StagesQueue));
    }

    [Fact]
    public async Task OnUpload_InvalidManifest_FailsTheRunPublishesPipelineFailedAndAnswersOk()
    {
        var upload = TestUpload.Valid();
        upload.Files.Remove("teacher/tokenizer.json");
        await _app.WriteUploadAsync("run-3", upload);

        var (status, _, logs, _) = await FunctionsApp.ReadAsync(await _app.InvokeAsync(Upload(EventGridBlobCreated("run-3"))));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(logs, l => l.StartsWith("Warning: Run run-3 rejected", StringComparison.Ordinal));
        var state = (await _app.Context.Runs.ReadAsync("run-3", FunctionsApp.Cancel))?.State;
        Assert.Equal(RunStatus.Failed, state?.Status);
        Assert.Contains(state!.Failure!.Reasons, r => r.Contains("tokenizer.json", StringComparison.Ordinal));
        Assert.Empty(await _app.DrainAsync(PipelineTopology.StagesQueue));
        var failed = DistillEvents.ReadData<PipelineFailed>(PipelineEventPublisher.Read(
            Assert.Single(await _app.DrainAsync(PipelineTopology.Subscription(PipelineTopology.DeadLetterWatchSubscription)))));
        Assert.Equal("run-3", failed.RunId);
    }

    [Fact]
    public async Task OnUpload_AnotherBlobCreated_IsIgnoredAndAnswersOk()
    {
        await _app.WriteUploadAsync("run-4", TestUpload.Valid());

        var (status, _, logs, _) = await FunctionsApp.ReadAsync(await _app.InvokeAsync(Upload(EventGridBlobCreated("run-4", "teacher/config.json"))));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(logs, l => l.Contains("Ignored a storage event", StringComparison.Ordinal));
        Assert.Null(await _app.Context.Runs.ReadAsync("run-4", FunctionsApp.Cancel));
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{\"eventType\":\"Microsoft.Storage.BlobCreated\",\"id\":\"x\"}")]
    [InlineData("[]")]
    public async Task OnUpload_UnreadableBody_IsCompletedWithTheProblemLoggedAndNoRun(string body)
    {
        var (status, _, logs, _) = await FunctionsApp.ReadAsync(await _app.InvokeAsync(Upload(body)));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(logs, l => l.StartsWith("Error: Completed message", StringComparison.Ordinal) && l.Contains("cannot be read", StringComparison.Ordinal));
        Assert.Empty(await _app.DrainAsync(PipelineTopology.StagesQueue));
    }

    [Fact]
    public async Task OnUpload_NotificationSentByTheLocalStack_IsReadTheSameWay()
    {
        await _app.WriteUploadAsync("run-5", TestUpload.Valid());
        var properties = await _app.Store.Blobs.GetPropertiesAsync(BlobPaths.UploadManifest("run-5").ToAddress(), FunctionsApp.Cancel);
        var notification = BlobCreatedEvent.ForUploadManifest("run-5", properties.ETag, properties.Length, properties.LastModified, _app.Store.BlobsUri);
        await _app.Store.Bus.SendAsync(PipelineTopology.UploadEventsQueue, notification.ToBusMessage(), FunctionsApp.Cancel);
        var message = Assert.Single(await _app.DrainAsync(PipelineTopology.UploadEventsQueue));

        var response = await _app.InvokeAsync(HostInvocation.From(message, "OnUpload"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(RunStatus.Accepted, (await _app.Context.Runs.ReadAsync("run-5", FunctionsApp.Cancel))?.State.Status);
    }
}
