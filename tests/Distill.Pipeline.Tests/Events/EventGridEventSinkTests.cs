using System.Text.Json;
using Distill.Contracts.Events;
using Distill.Contracts.Stages;
using Distill.Pipeline.Configuration;
using Distill.Pipeline.Events;
using Distill.Pipeline.Tests.Azure.ServiceBus;
using Distill.Pipeline.Tests.Messaging;
using Microsoft.Data.Sqlite;

namespace Distill.Pipeline.Tests.Events;

public sealed class EventGridEventSinkTests : IAsyncLifetime
{
    private readonly TemporaryDirectory _directory = new();
    private readonly StaticTokenCredential _credential = new("event-grid-token");
    private FakeEventGridTopic _topic = null!;

    public async ValueTask InitializeAsync() => _topic = await FakeEventGridTopic.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _topic.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    private static CloudEventEnvelope Failed(string runId) =>
        DistillEvents.ToCloudEvent(new PipelineFailed { RunId = runId, Name = "tiny-kd", FailedStage = StageNames.Prepare, Reasons = ["teacher/config.json: missing"] },
            new DateTimeOffset(2026, 3, 1, 12, 30, 0, TimeSpan.Zero));

    [Fact]
    public async Task PublishAsync_Event_PostsACloudEventsBatchWithABearerToken()
    {
        var cancel = TestContext.Current.CancellationToken;
        var sink = new EventGridEventSink(_topic.Endpoint, _credential, _topic.ClientOptions());
        var cloudEvent = Failed("run-7");

        await sink.PublishAsync(cloudEvent, cancel);

        var request = Assert.Single(_topic.Requests);
        Assert.Equal("POST", request.Method);
        Assert.StartsWith("/api/events?api-version=", request.PathAndQuery, StringComparison.Ordinal);
        Assert.StartsWith("application/cloudevents-batch+json", request.Header("Content-Type"), StringComparison.Ordinal);
        Assert.Equal("Bearer event-grid-token", request.Header("Authorization"));
        Assert.Contains(_credential.Requests, scopes => scopes.SequenceEqual(["https://eventgrid.azure.net/.default"]));
        using var body = JsonDocument.Parse(request.Body);
        var sent = Assert.Single(body.RootElement.EnumerateArray().ToList());
        Assert.Equal("1.0", sent.GetProperty("specversion").GetString());
        Assert.Equal(cloudEvent.Id, sent.GetProperty("id").GetString());
        Assert.Equal("/distill/runs/run-7", sent.GetProperty("source").GetString());
        Assert.Equal(DistillEventTypes.PipelineFailed, sent.GetProperty("type").GetString());
        Assert.Equal(cloudEvent.Time, sent.GetProperty("time").GetDateTimeOffset());
        Assert.Equal("application/json", sent.GetProperty("datacontenttype").GetString());
        var data = sent.GetProperty("data");
        Assert.Equal("run-7", data.GetProperty("runId").GetString());
        Assert.Equal("tiny-kd", data.GetProperty("name").GetString());
        Assert.Equal("teacher/config.json: missing", data.GetProperty("reasons")[0].GetString());
    }

    [Fact]
    public async Task PublishAsync_TopicBusyOnce_RetriesTheSameEvent()
    {
        var cancel = TestContext.Current.CancellationToken;
        var sink = new EventGridEventSink(_topic.Endpoint, _credential, _topic.ClientOptions());
        _topic.FailNext(503);

        await sink.PublishAsync(Failed("run-8"), cancel);

        Assert.Equal([503, 200], _topic.Requests.Select(r => r.Status));
        var ids = _topic.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement[0].GetProperty("id").GetString()).ToList();
        Assert.Equal(ids[0], ids[1]);
    }

    [Fact]
    public async Task PublishAsync_TopicRefuses_Throws()
    {
        var cancel = TestContext.Current.CancellationToken;
        var sink = new EventGridEventSink(_topic.Endpoint, _credential, _topic.ClientOptions());
        _topic.FailNext(403);

        var e = await Assert.ThrowsAsync<global::Azure.RequestFailedException>(() => sink.PublishAsync(Failed("run-9"), cancel));

        Assert.Equal(403, e.Status);
    }

    [Theory]
    [InlineData(false, new[] { DistillEventTypes.PipelineFailed })]
    [InlineData(true, new[] { DistillEventTypes.StageStarted, DistillEventTypes.PipelineFailed })]
    public async Task Connection_WithEventGridEndpoint_SendsOutcomesAndStageEventsWhenAsked(bool stageEvents, string[] expected)
    {
        var cancel = TestContext.Current.CancellationToken;
        var options = DistillOptions.ForLocalStore(_directory.Path);
        options.Events.EventGridEndpoint = _topic.Endpoint;
        options.Events.StageEvents = stageEvents;
        await using var connection = await PipelineConnection.OpenAsync(options, TimeProvider.System,
            new PipelineClientOptions { Credential = _credential, EventGrid = _topic.ClientOptions() }, cancel);
        var events = connection.CreateContext().Events;

        await events.PublishAsync(new StageStarted { RunId = "run-1", Stage = StageNames.Prepare, Attempt = 1, Runner = "runner-a" }, cancel);
        await events.PublishAsync(new PipelineFailed { RunId = "run-1", Name = "tiny-kd", Reasons = ["stopped by the test"] }, cancel);

        var types = _topic.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement[0].GetProperty("type").GetString());
        Assert.Equal(expected, types);
    }
}
