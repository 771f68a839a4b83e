using System.Text;
using Distill.Contracts.Events;
using Distill.Contracts.Runs;
using Distill.Contracts.Stages;
using Distill.Contracts.Storage;
using Distill.Pipeline.Events;
using Distill.Pipeline.Handlers;
using Distill.Pipeline.Messaging;
using Distill.Pipeline.Storage;
using Distill.Pipeline.Tests.Messaging;
using Distill.Pipeline.Uploads;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Distill.Pipeline.Tests.Handlers;

/// <summary>A folder store and a SQLite bus in a temporary folder, on a fake clock, with the handlers built on them.</summary>
internal sealed class PipelineHarness : IAsyncDisposable
{
    private readonly TemporaryDirectory _directory = new();
    private readonly SqliteMessageBus _sqlite;

    public PipelineHarness()
    {
        Blobs = new FolderBlobStore(_directory.File("blobs"), Time);
        _sqlite = new SqliteMessageBus(_directory.File("bus.db"), PipelineTopology.Create(), Time);
        Bus = new FlakyBus(_sqlite);
        Context = new PipelineContext(Blobs, Bus, Time);
        Handlers = new PipelineHandlers(Context, Logs);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public FolderBlobStore Blobs { get; }

    public FlakyBus Bus { get; }

    public PipelineContext Context { get; }

    public RecordingLoggerFactory Logs { get; } = new();

    public PipelineHandlers Handlers { get; }

    public static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public static async Task<PipelineHarness> CreateAsync()
    {
        var harness = new PipelineHarness();
        foreach (var container in new[] { BlobPaths.UploadsContainer, BlobPaths.RunsContainer, BlobPaths.ModelsContainer })
        {
            await harness.Blobs.CreateContainerIfNotExistsAsync(container, Cancel);
        }
        return harness;
    }

    public async ValueTask DisposeAsync()
    {
        await _sqlite.DisposeAsync();
        Blobs.Dispose();
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    /// <summary>Writes the upload's files under <c>uploads/{uploadId}/</c>, the manifest last.</summary>
    public async Task WriteUploadAsync(string uploadId, TestUpload upload)
    {
        foreach (var (path, bytes) in upload.Files.OrderBy(f => f.Key == "pipeline.json"))
        {
            await PutAsync(BlobPaths.UploadFile(uploadId, path), bytes);
        }
    }

    public Task PutAsync(BlobLocation location, byte[] bytes) =>
        Blobs.PutAsync(location.ToAddress(), new MemoryStream(bytes), null, Cancel);

    public Task PutAsync(BlobLocation location, string text) => PutAsync(location, Encoding.UTF8.GetBytes(text));

    public async Task<string> ReadTextAsync(BlobLocation location)
    {
        var read = await Blobs.TryReadAllBytesAsync(location.ToAddress(), Cancel);
        Assert.True(read.HasValue, $"{location} does not exist");
        return Encoding.UTF8.GetString(read.Value.Content);
    }

    public async Task<RunState> StateAsync(string runId) =>
        (await Context.Runs.ReadAsync(runId, Cancel))?.State ?? throw new Xunit.Sdk.XunitException($"run {runId} has no state");

    /// <summary>Receives and completes every visible message of an entity.</summary>
    public async Task<List<ReceivedBusMessage>> DrainAsync(string entityPath)
    {
        var messages = new List<ReceivedBusMessage>();
        while (await Bus.ReceiveAsync(entityPath, TimeSpan.Zero, Cancel) is { } message)
        {
            messages.Add(message);
            await Bus.CompleteAsync(message, Cancel);
        }
        return messages;
    }

    public async Task<List<RunStageCommand>> DrainCommandsAsync() =>
        [.. (await DrainAsync(PipelineTopology.StagesQueue)).Select(m => RunStageCommand.FromJson(m.BodyToString()))];

    public async Task<List<T>> DrainEventsAsync<T>(string subscription)
        where T : DistillEventData =>
        [.. (await DrainAsync(PipelineTopology.Subscription(subscription))).Select(m => DistillEvents.ReadData<T>(PipelineEventPublisher.Read(m)))];

    /// <summary>The names of the run's event blobs (<c>distill.run.accepted.json</c>, …).</summary>
    public async Task<List<string>> EventFilesAsync(string runId)
    {
        var names = new List<string>();
        await foreach (var item in Blobs.ListFolderAsync(BlobPaths.RunEvents(runId), Cancel))
        {
            names.Add(item.Name[(BlobPaths.RunEvents(runId).Prefix.Length)..]);
        }
        return names;
    }

    /// <summary>Sends the local storage notification of an upload's manifest to upload-events, as <c>distill submit</c> does.</summary>
    public async Task<BlobCreatedEvent> NotifyAsync(string uploadId)
    {
        var properties = await Blobs.GetPropertiesAsync(BlobPaths.UploadManifest(uploadId).ToAddress(), Cancel);
        var notification = BlobCreatedEvent.ForUploadManifest(uploadId, properties.ETag, properties.Length, properties.LastModified, new Uri("file:///store/blobs/"));
        await Bus.SendAsync(PipelineTopology.UploadEventsQueue, notification.ToBusMessage(), Cancel);
        return notification;
    }

    /// <summary>A valid upload under <paramref name="runId"/>, accepted by the upload handler; the first command is drained.</summary>
    public async Task<RunState> AcceptAsync(string runId, TestUpload? upload = null)
    {
        await WriteUploadAsync(runId, upload ?? TestUpload.Valid());
        await Handlers.Uploads.HandleUploadAsync(runId, Cancel);
        Assert.Single(await DrainCommandsAsync());
        return await StateAsync(runId);
    }

    /// <summary>What a runner does when it takes a stage: records it as started.</summary>
    public Task StartAsync(string runId, string stage, int attempt = 1) =>
        Context.Runs.UpdateAsync(runId, s => s.StartStage(stage, attempt, "runner-a", Time.GetUtcNow()), Cancel);

    /// <summary>Runs stages (start, then the completion event through the handler) until <paramref name="stage"/> is running.</summary>
    public async Task RunUntilAsync(string runId, string stage)
    {
        foreach (var name in (await StateAsync(runId)).Stages.Select(s => s.Name))
        {
            await StartAsync(runId, name);
            if (name == stage)
            {
                return;
            }
            await Handlers.StageEvents.OnStageCompletedAsync(Completed(runId, name), Cancel);
            Assert.Single(await DrainCommandsAsync());
        }
    }

    public static StageCompleted Completed(string runId, string stage, int attempt = 1, IReadOnlyDictionary<string, double>? metrics = null,
        IReadOnlyDictionary<string, string>? artifacts = null) => new()
        {
            RunId = runId,
            Stage = stage,
            Attempt = attempt,
            Metrics = metrics ?? new Dictionary<string, double> { ["loss"] = 2.5 },
            Artifacts = artifacts ?? new Dictionary<string, string>(),
        };
}
