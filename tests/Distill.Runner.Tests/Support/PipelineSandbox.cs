using System.Text;
using Distill.Contracts;
using Distill.Contracts.Events;
using Distill.Contracts.Manifests;
using Distill.Contracts.Runs;
using Distill.Contracts.Stages;
using Distill.Contracts.Storage;
using Distill.Pipeline;
using Distill.Pipeline.Messaging;
using Distill.Pipeline.Runs;
using Distill.Pipeline.Storage;
using Distill.Runner.Stages;
using Microsoft.Extensions.Logging.Abstractions;

namespace Distill.Runner.Tests.Support;

/// <summary>
/// A pipeline in a temporary folder for one test: a folder blob store (behind <see cref="HookedBlobStore"/>) and a SQLite
/// bus with the pipeline's topology. The test plays the handlers' part: it uploads a run, creates its state and queues
/// each stage's command; workers built here consume them.
/// </summary>
public sealed class PipelineSandbox : IAsyncDisposable
{
    private static readonly Dictionary<Type, string> s_eventTypes = new()
    {
        [typeof(StageStarted)] = DistillEventTypes.StageStarted,
        [typeof(StageProgressed)] = DistillEventTypes.StageProgress,
        [typeof(StageCompleted)] = DistillEventTypes.StageCompleted,
        [typeof(StageFailed)] = DistillEventTypes.StageFailed,
    };

    private readonly FolderBlobStore _folderStore;
    private readonly SqliteMessageBus _bus;
    private readonly bool _keep;

    /// <param name="root">A folder to keep the pipeline in (not deleted afterwards, for a look by hand); a new temporary one when null.</param>
    public PipelineSandbox(TinyModels models, string? root = null)
    {
        Models = models;
        _keep = root is not null;
        Root = root ?? Directory.CreateTempSubdirectory("distill-runner-").FullName;
        _folderStore = new FolderBlobStore(Path.Join(Root, "blobs"), TimeProvider.System);
        Blobs = new HookedBlobStore(_folderStore);
        _bus = new SqliteMessageBus(Path.Join(Root, "bus.db"), PipelineTopology.Create(), TimeProvider.System);
        States = new RunStateStore(_folderStore);
    }

    public TinyModels Models { get; }

    public string Root { get; }

    public HookedBlobStore Blobs { get; }

    /// <summary>The store without hooks, for the test's own reads and writes.</summary>
    public IBlobStore Store => _folderStore;

    public IMessageBus Bus => _bus;

    public RunStateStore States { get; }

    /// <summary>
    /// Uploads a run as <c>distill submit</c> does (the teacher, the data, then pipeline.json) and creates its state with
    /// every stage pending. <paramref name="editTeacher"/> may change a copy of the teacher folder first.
    /// </summary>
    public async Task<string> SubmitAsync(string runId, string manifestJson, Action<string>? editTeacher = null,
        IReadOnlyDictionary<string, string>? dataFiles = null)
    {
        foreach (var container in new[] { BlobPaths.UploadsContainer, BlobPaths.RunsContainer, BlobPaths.ModelsContainer })
        {
            await Store.CreateContainerIfNotExistsAsync(container, CancellationToken.None);
        }
        var teacher = Path.Join(Root, "submit-" + runId, "teacher");
        Directory.CreateDirectory(teacher);
        foreach (var file in Directory.EnumerateFiles(Models.TeacherFolder))
        {
            File.Copy(file, Path.Join(teacher, Path.GetFileName(file)));
        }
        editTeacher?.Invoke(teacher);
        foreach (var file in Directory.EnumerateFiles(teacher))
        {
            await PutAsync(BlobPaths.UploadFile(runId, "teacher/" + Path.GetFileName(file)), await File.ReadAllBytesAsync(file));
        }
        dataFiles ??= new Dictionary<string, string> { ["data/train.jsonl"] = TinyCorpus.Jsonl(0, 60) };
        foreach (var (path, content) in dataFiles)
        {
            await PutAsync(BlobPaths.UploadFile(runId, path), Encoding.UTF8.GetBytes(content));
        }
        var bytes = Encoding.UTF8.GetBytes(manifestJson);
        await PutAsync(BlobPaths.UploadManifest(runId), bytes);
        var manifest = PipelineManifest.Parse(manifestJson);
        var sha = PipelineManifest.Sha256(bytes);
        Assert.True(await States.TryCreateAsync(RunState.Accept(runId, manifest.Name ?? runId, sha, StagePlan.For(manifest), DateTimeOffset.UtcNow), CancellationToken.None));
        return sha;
    }

    /// <summary>Queues attempt <paramref name="attempt"/> of a stage in the state and sends its command (what the handlers do).</summary>
    public async Task<RunStageCommand> QueueAsync(string runId, string stage, int attempt = 1, string? messageId = null)
    {
        var (_, state) = await States.UpdateAsync(runId, s => s.QueueStage(stage, attempt, DateTimeOffset.UtcNow), CancellationToken.None);
        var command = RunStageCommand.Create(runId, stage, attempt, DateTimeOffset.UtcNow, state.ManifestSha256);
        await SendAsync(command, messageId);
        return command;
    }

    /// <summary>Sends a stage command as it is, under its own message id or <paramref name="messageId"/>.</summary>
    public async Task SendAsync(RunStageCommand command, string? messageId = null)
    {
        var message = BusMessage.FromJson(command, ContractsJsonContext.Default.RunStageCommand);
        message.MessageId = messageId ?? command.MessageId;
        await Bus.SendAsync(PipelineTopology.StagesQueue, message);
    }

    /// <summary>A worker on this pipeline with test timings (15 s lease renewed every second, no redelivery delays), in its own folder.</summary>
    public StageWorker Worker(string runnerId, Func<StageWorkerOptions, StageWorkerOptions>? configure = null, Action<WorkerActivity>? activity = null,
        IReadOnlyDictionary<string, IStageExecutor>? executors = null)
    {
        var options = new StageWorkerOptions
        {
            RunnerId = runnerId,
            Folder = Path.Join(Root, "runners", runnerId),
            LeaseDuration = TimeSpan.FromSeconds(15),
            LeaseRenewInterval = TimeSpan.FromSeconds(1),
            ReceiveWait = TimeSpan.FromSeconds(2),
            BusyRedeliveryDelay = TimeSpan.Zero,
            TransientRedeliveryDelay = TimeSpan.Zero,
        };
        return new StageWorker(Bus, Blobs, configure is null ? options : configure(options), TimeProvider.System, NullLogger<StageWorker>.Instance, activity, executors);
    }

    public async Task<RunState> StateAsync(string runId) =>
        (await States.ReadAsync(runId, CancellationToken.None))?.State ?? throw new InvalidOperationException($"run {runId} has no state");

    /// <summary>Every event of the run, from its event folder, in the order of their blob names.</summary>
    public async Task<IReadOnlyList<CloudEventEnvelope>> EventsAsync(string runId)
    {
        var folder = BlobPaths.RunEvents(runId);
        var events = new List<CloudEventEnvelope>();
        await foreach (var item in Store.ListAsync(folder.Container, folder.Prefix, CancellationToken.None))
        {
            events.Add(CloudEventEnvelope.FromJson(Encoding.UTF8.GetString(await ReadAsync(new BlobLocation { Container = folder.Container, Name = item.Name }))));
        }
        return events;
    }

    /// <summary>The payloads of the run's events of type <typeparamref name="T"/>.</summary>
    public async Task<IReadOnlyList<T>> EventsAsync<T>(string runId)
        where T : DistillEventData =>
        [.. (await EventsAsync(runId)).Where(e => e.Type == s_eventTypes[typeof(T)]).Select(DistillEvents.ReadData<T>)];

    public async Task<byte[]> ReadAsync(BlobLocation location)
    {
        var download = await Store.GetAsync(new BlobAddress(location.Container, location.Name), null, CancellationToken.None);
        await using (download)
        {
            using var buffer = new MemoryStream();
            await download.Content.CopyToAsync(buffer);
            return buffer.ToArray();
        }
    }

    public async Task<bool> ExistsAsync(BlobLocation location)
    {
        try
        {
            await Store.GetPropertiesAsync(new BlobAddress(location.Container, location.Name), CancellationToken.None);
            return true;
        }
        catch (BlobStoreException e) when (e.Reason == BlobStoreErrorReason.NotFound)
        {
            return false;
        }
    }

    /// <summary>Copies every blob under <paramref name="folder"/> into a new local folder.</summary>
    public async Task<string> DownloadAsync(BlobLocation folder)
    {
        var local = Path.Join(Root, "downloads", Guid.NewGuid().ToString("N"));
        await foreach (var item in Store.ListAsync(folder.Container, folder.Prefix, CancellationToken.None))
        {
            var path = Path.Join([local, .. item.Name[folder.Prefix.Length..].Split('/')]);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path, await ReadAsync(new BlobLocation { Container = folder.Container, Name = item.Name }));
        }
        return local;
    }

    /// <summary>The number of messages waiting (visible or not) on a queue or dead-letter queue, by receiving and abandoning each.</summary>
    public async Task<int> CountVisibleAsync(string entityPath)
    {
        var received = new List<ReceivedBusMessage>();
        while (await Bus.ReceiveAsync(entityPath, TimeSpan.Zero) is { } message)
        {
            received.Add(message);
        }
        foreach (var message in received)
        {
            await Bus.AbandonAsync(message);
        }
        return received.Count;
    }

    public async ValueTask DisposeAsync()
    {
        await _bus.DisposeAsync();
        _folderStore.Dispose();
        if (_keep)
        {
            return;
        }
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A file still mapped by a dataset reader on another thread; the temporary folder is cleaned by the system.
        }
    }

    private async Task PutAsync(BlobLocation location, byte[] content) =>
        await Store.PutAsync(new BlobAddress(location.Container, location.Name), new MemoryStream(content), null, CancellationToken.None);
}
