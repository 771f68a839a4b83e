using System.Text;
using Distill.Contracts;
using Distill.Contracts.Checkpoints;
using Distill.Contracts.Events;
using Distill.Contracts.Runs;
using Distill.Contracts.Stages;
using Distill.Contracts.Storage;
using Distill.Pipeline;
using Distill.Pipeline.Local;
using Distill.Pipeline.Messaging;
using Distill.Pipeline.Storage;
using Distill.Pipeline.Uploads;
using Distill.Runner.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Distill.Runner.Tests.Reliability;

/// <summary>
/// The embedded stack in a temporary folder, as <c>distill up</c> runs it: a <see cref="LocalStore"/> (folder blobs and the
/// SQLite bus) shared by processes, the handlers (<see cref="LocalHandlerHost"/>) in the test process, and runner processes
/// (<see cref="RunnerProcess"/>) the test starts and kills. Runs are uploaded blob by blob and announced as Event Grid
/// would, so an upload the local client would refuse reaches the pipeline too.
/// </summary>
internal sealed class LocalPipeline : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<RunnerProcess> _runners = [];
    private Task _handlers = Task.CompletedTask;

    private LocalPipeline(TinyModels models, string root, LocalStore store)
    {
        Models = models;
        Root = root;
        Store = store;
    }

    public TinyModels Models { get; }

    public string Root { get; }

    public LocalStore Store { get; }

    public IBlobStore Blobs => Store.Blobs;

    public IReadOnlyList<RunnerProcess> Runners => _runners;

    /// <summary>Opens a new store and starts the handlers on it.</summary>
    public static async Task<LocalPipeline> StartAsync(TinyModels models)
    {
        var root = Directory.CreateTempSubdirectory("distill-reliability-").FullName;
        var store = await LocalStore.OpenAsync(Path.Join(root, "store"), TimeProvider.System, TestContext.Current.CancellationToken);
        var pipeline = new LocalPipeline(models, root, store);
        pipeline._handlers = new LocalHandlerHost(store, NullLoggerFactory.Instance).RunAsync(pipeline._stop.Token);
        return pipeline;
    }

    /// <summary>Starts a runner process on the store (see <see cref="RunnerProcess.Start"/>).</summary>
    public RunnerProcess StartRunner(string runnerId, params string[] extraArguments)
    {
        var runner = RunnerProcess.Start(Store.Root, runnerId, extraArguments);
        _runners.Add(runner);
        return runner;
    }

    /// <summary>
    /// Uploads a run under <c>uploads/{runId}/</c> as any client may (the tiny teacher, after <paramref name="editTeacher"/>
    /// changed a copy of it; the data; <paramref name="manifestJson"/> last) and sends the manifest's BlobCreated notification.
    /// Returns the uploaded blobs' names and contents (the manifest's included).
    /// </summary>
    public async Task<Dictionary<string, byte[]>> SubmitAsync(string runId, string manifestJson, Action<string>? editTeacher = null,
        IReadOnlyDictionary<string, string>? dataFiles = null)
    {
        var ct = TestContext.Current.CancellationToken;
        var teacher = Path.Join(Root, "submit-" + runId, "teacher");
        Directory.CreateDirectory(teacher);
        foreach (var file in Directory.EnumerateFiles(Models.TeacherFolder))
        {
            File.Copy(file, Path.Join(teacher, Path.GetFileName(file)));
        }
        editTeacher?.Invoke(teacher);
        var uploaded = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(teacher))
        {
            uploaded["teacher/" + Path.GetFileName(file)] = await File.ReadAllBytesAsync(file, ct);
        }
        foreach (var (path, content) in dataFiles ?? new Dictionary<string, string> { ["data/train.jsonl"] = TinyCorpus.Jsonl(0, 60) })
        {
            uploaded[path] = Encoding.UTF8.GetBytes(content);
        }
        foreach (var (path, content) in uploaded)
        {
            await Blobs.PutAsync(BlobPaths.UploadFile(runId, path).ToAddress(), new MemoryStream(content), null, ct);
        }
        var manifest = Encoding.UTF8.GetBytes(manifestJson);
        var written = await Blobs.PutAsync(BlobPaths.UploadManifest(runId).ToAddress(), new MemoryStream(manifest),
            new BlobPutOptions { ContentType = "application/json", Conditions = BlobConditions.IfNotExists }, ct);
        uploaded["pipeline.json"] = manifest;
        await UploadClient.NotifyAsync(Store.Bus, new UploadResult
        {
            UploadId = runId,
            Upload = BlobPaths.Upload(runId),
            ManifestETag = written.ETag,
            ManifestLength = manifest.Length,
            ManifestWrittenAt = written.LastModified,
            Files = uploaded.Count,
            Bytes = uploaded.Values.Sum(c => (long)c.Length),
        }, Store.BlobsUri, ct);
        return uploaded;
    }

    public async Task<RunState?> StateAsync(string runId) =>
        (await Store.CreateContext().Runs.ReadAsync(runId, TestContext.Current.CancellationToken))?.State;

    /// <summary>Waits until <paramref name="condition"/> holds for the run's state, failing with the runners' logs after <paramref name="timeout"/>.</summary>
    public async Task<RunState> WaitForStateAsync(string runId, Func<RunState, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        RunState? state = null;
        while (DateTime.UtcNow < deadline)
        {
            state = await StateAsync(runId);
            if (state is not null && condition(state))
            {
                return state;
            }
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        Assert.Fail($"run {runId} did not reach '{what}' within {timeout}; its state: {Describe(state)}\n{string.Join('\n', _runners.Select(r => r.Describe()))}");
        return null!;
    }

    /// <summary>
    /// Waits until the run is completed or failed and its outcome event (<c>distill.pipeline.completed</c> or
    /// <c>.failed</c>) is recorded: the handlers write the state first, then publish.
    /// </summary>
    public async Task<RunState> WaitForFinishAsync(string runId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var state = await WaitForStateAsync(runId, s => s.IsFinished, timeout, "finished");
        var outcome = BlobPaths.RunEvent(runId, $"{runId}:{(state.Status == RunStatus.Completed ? DistillEventTypes.PipelineCompleted : DistillEventTypes.PipelineFailed)}");
        while (!await ExistsAsync(outcome))
        {
            Assert.True(DateTime.UtcNow < deadline, $"run {runId} is {state.Status} but {outcome} was not written within {timeout}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        return state;
    }

    /// <summary>Every event of the run, from its event folder, in the order of their blob names.</summary>
    public async Task<IReadOnlyList<CloudEventEnvelope>> EventsAsync(string runId)
    {
        var folder = BlobPaths.RunEvents(runId);
        var events = new List<CloudEventEnvelope>();
        await foreach (var item in Blobs.ListAsync(folder.Container, folder.Prefix, TestContext.Current.CancellationToken))
        {
            events.Add(CloudEventEnvelope.FromJson(Encoding.UTF8.GetString(await ReadAsync(new BlobLocation { Container = folder.Container, Name = item.Name }))));
        }
        return events;
    }

    public async Task<byte[]> ReadAsync(BlobLocation location)
    {
        var download = await Blobs.GetAsync(location.ToAddress(), null, TestContext.Current.CancellationToken);
        await using (download)
        {
            using var buffer = new MemoryStream();
            await download.Content.CopyToAsync(buffer, TestContext.Current.CancellationToken);
            return buffer.ToArray();
        }
    }

    public async Task<bool> ExistsAsync(BlobLocation location)
    {
        try
        {
            await Blobs.GetPropertiesAsync(location.ToAddress(), TestContext.Current.CancellationToken);
            return true;
        }
        catch (BlobStoreException e) when (e.Reason == BlobStoreErrorReason.NotFound)
        {
            return false;
        }
    }

    /// <summary>Every blob under <paramref name="folder"/>: its name below the folder and its content.</summary>
    public async Task<Dictionary<string, byte[]>> ReadFolderAsync(BlobLocation folder)
    {
        var blobs = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        await foreach (var item in Blobs.ListAsync(folder.Container, folder.Prefix, TestContext.Current.CancellationToken))
        {
            blobs[item.Name[folder.Prefix.Length..]] = await ReadAsync(new BlobLocation { Container = folder.Container, Name = item.Name });
        }
        return blobs;
    }

    /// <summary>Every F32 tensor of a safetensors blob, by name.</summary>
    public async Task<Dictionary<string, float[]>> TensorsAsync(BlobLocation safetensors)
    {
        var bytes = await ReadAsync(safetensors);
        var headerLength = (int)SafeTensorsHeader.ReadLength(safetensors.Name, bytes.AsSpan(0, 8), bytes.Length);
        var header = SafeTensorsHeader.Parse(safetensors.Name, bytes.AsSpan(8, headerLength), bytes.Length);
        var data = 8 + headerLength;
        return header.Entries.ToDictionary(t => t.Name, t =>
        {
            Assert.Equal(SafeTensorsDTypes.Float32, t.DType);
            return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes.AsSpan(data + (int)t.Begin, (int)t.ByteCount)).ToArray();
        }, StringComparer.Ordinal);
    }

    /// <summary>Sends a stage command again under a new message id, as a redelivery of the same command.</summary>
    public async Task SendAgainAsync(string runId, string stage, string messageId)
    {
        var state = await StateAsync(runId) ?? throw new InvalidOperationException($"run {runId} has no state");
        var queued = state.Stage(stage);
        var command = RunStageCommand.Create(runId, stage, queued.Attempt, queued.QueuedAt ?? throw new InvalidOperationException($"stage {stage} was never queued"),
            state.ManifestSha256);
        var message = BusMessage.FromJson(command, ContractsJsonContext.Default.RunStageCommand);
        message.MessageId = messageId;
        await Store.Bus.SendAsync(PipelineTopology.StagesQueue, message, TestContext.Current.CancellationToken);
    }

    /// <summary>Log lines of every runner that contain all of <paramref name="parts"/>.</summary>
    public IReadOnlyList<(string Runner, string Line)> LogLines(params string[] parts) =>
        [.. _runners.SelectMany(r => r.Log.Where(l => parts.All(p => l.Contains(p, StringComparison.Ordinal))).Select(l => (r.RunnerId, l)))];

    public string DescribeRunners() => string.Join('\n', _runners.Select(r => r.Describe()));

    public async ValueTask DisposeAsync()
    {
        foreach (var runner in _runners)
        {
            runner.Dispose();
        }
        await _stop.CancelAsync();
        await _handlers;
        _stop.Dispose();
        await Store.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A file a killed process held a moment ago; the temporary folder is cleaned by the system.
        }
    }

    private static string Describe(RunState? state) => state is null
        ? "none"
        : $"{state.Status} [{string.Join(", ", state.Stages.Select(s => $"{s.Name} {s.Status} on {s.Runner ?? "-"} (attempt {s.Attempt}, checkpoint {s.LastCheckpointStep?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"})"))}]"
          + (state.Failure is { } failure ? $" failure: {string.Join("; ", failure.Reasons)}" : "");
}
