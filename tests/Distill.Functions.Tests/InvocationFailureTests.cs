using System.Net;
using Distill.Contracts.Runs;
using Distill.Pipeline;
using Distill.Pipeline.Tests.Handlers;

namespace Distill.Functions.Tests;

/// <summary>What the host sees when a message cannot be handled now, and when its request is not what the app reads.</summary>
public sealed class InvocationFailureTests : IAsyncLifetime
{
    private FlakyBus? _bus;
    private FunctionsApp _app = null!;

    public async ValueTask InitializeAsync() => _app = await FunctionsApp.StartAsync(bus => _bus = new FlakyBus(bus));

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private static HostInvocation Created(string runId, int deliveryCount) =>
        new() { Body = OnUploadTests.EventGridBlobCreated(runId), MessageId = runId + "-created", DeliveryCount = deliveryCount };

    [Fact]
    public async Task OnUpload_BusUnreachable_FailsWith503AfterTheRetryDelayAndTheRedeliveryFinishesTheRun()
    {
        await _app.WriteUploadAsync("run-1", TestUpload.Valid());
        // The handlers' context (and so the wrapped bus) is made at the first invocation.
        await _app.InvokeAsync(new HostInvocation { Body = OnUploadTests.EventGridBlobCreated("other", "x.bin"), MessageId = "warm-up" });
        Assert.NotNull(_bus);
        _bus.FailSends(PipelineTopology.StagesQueue);

        var pending = _app.InvokeAsync(Created("run-1", deliveryCount: 2));
        // Delivery 2 waits 2 s (PipelineHandlers.RetryDelay) before failing, as the local stack delays its abandon.
        await Task.Delay(200, FunctionsApp.Cancel);
        Assert.False(pending.IsCompleted, "the invocation failed before the retry delay passed");
        // The invocation may not have started its delay yet on a loaded machine: move the clock until it ends.
        for (var i = 0; i < 200 && !pending.IsCompleted; i++)
        {
            _app.Time.Advance(TimeSpan.FromSeconds(2));
            await Task.WhenAny(pending, Task.Delay(50, FunctionsApp.Cancel));
        }
        var (status, _, logs, _) = await FunctionsApp.ReadAsync(await pending);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains(logs, l => l.StartsWith("Warning: Message run-1-created from upload-events (delivery 2) met a transient fault", StringComparison.Ordinal));
        Assert.Empty(await _app.DrainAsync(PipelineTopology.StagesQueue));
        Assert.Equal(RunStatus.Accepted, (await _app.Context.Runs.ReadAsync("run-1", FunctionsApp.Cancel))?.State.Status);

        var redelivered = await _app.InvokeAsync(Created("run-1", deliveryCount: 3));

        Assert.Equal(HttpStatusCode.OK, redelivered.StatusCode);
        Assert.Single(await _app.DrainAsync(PipelineTopology.StagesQueue));
    }

    [Theory]
    [InlineData("OnUpload", "this is not JSON")]
    [InlineData("OnUpload", "[]")]
    [InlineData("OnUpload", """{"Metadata":{"MessageId":"\"m1\"","DeliveryCount":"1"}}""")]
    [InlineData("OnUpload", """{"Data":{"msg":"\"{}\""},"Metadata":{"MessageId":"\"m1\"","DeliveryCount":"1"}}""")]
    [InlineData("OnUpload", """{"Data":{"message":"\"{}\""},"Metadata":{"DeliveryCount":"1"}}""")]
    [InlineData("OnUpload", """{"Data":{"message":"\"{}\""},"Metadata":{"MessageId":"\"m1\""}}""")]
    [InlineData("OnUpload", """{"Data":{"message":"\"{}\""},"Metadata":{"MessageId":"\"m1\"","DeliveryCount":"0"}}""")]
    [InlineData("OnStageEvent", """{"Data":{"message":42},"Metadata":{"MessageId":"\"m1\"","DeliveryCount":"1"}}""")]
    [InlineData("OnStageDeadLetter", """{"Data":{"message":"\"{}\""},"Metadata":{"MessageId":"\"m1\"","DeliveryCount":"1","ApplicationProperties":"\"oops\""}}""")]
    public async Task Invoke_RequestTheAppCannotRead_FailsWith400NamingTheProblem(string function, string json)
    {
        var (status, _, logs, _) = await FunctionsApp.ReadAsync(await _app.PostAsync(function, json));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(logs, l => l.StartsWith($"Error: Invocation ", StringComparison.Ordinal) && l.Contains($"of {function} cannot be read", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Invoke_FunctionTheAppDoesNotServe_IsNotFound()
    {
        var response = await _app.PostAsync("OnSomethingElse", """{"Data":{},"Metadata":{}}""");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
