using Distill.Contracts.Runs;
using Distill.Contracts.Storage;
using Distill.Pipeline.Azure.Blobs;
using Distill.Pipeline.Configuration;
using Distill.Pipeline.Local;
using Distill.Pipeline.Messaging;
using Distill.Pipeline.Storage;
using Distill.Pipeline.Tests.Azure.Blobs;
using Distill.Pipeline.Uploads;
using Distill.Runner.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Distill.Runner.Tests.EndToEnd;

/// <summary>
/// The whole pipeline on the azurite target, as <c>distill up --target azurite</c> runs it: blobs in Azurite (Shared Key,
/// the development account), the SQLite bus in the store folder, the handlers and a stage worker on one
/// <see cref="PipelineConnection"/>, a tiny run submitted as <c>distill submit --target azurite</c> does.
/// </summary>
[Collection(TrainingGroup.Name)]
[Trait("Category", "Integration")]
public sealed class AzuritePipelineTests(TinyModels models, AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IDisposable
{
    private static readonly TimeSpan s_runTimeout = TimeSpan.FromSeconds(90);

    private readonly string _root = Directory.CreateTempSubdirectory("distill-azurite-run-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A file still mapped by a dataset reader; the temporary folder is cleaned by the system.
        }
    }

    [Fact]
    public async Task SubmittedRun_OnTheAzuriteTarget_CompletesWithTheStudentInAzurite()
    {
        azurite.Require();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var cancel = TestContext.Current.CancellationToken;
        var store = Path.Join(_root, "store");
        var options = PipelineTargets.ForAzurite(store, azurite.BlobEndpoint.Port);
        await using var connection = await PipelineConnection.OpenAsync(options, TimeProvider.System, cancel);
        Assert.IsType<AzureBlobStore>(connection.Blobs);
        Assert.IsType<SqliteMessageBus>(connection.Bus);

        // distill submit --target azurite: upload the folder (manifest last), then the upload event on the bus.
        var runFolder = WriteRunFolder();
        var runId = UploadClient.NewUploadId("tiny-kd", connection.Time.GetUtcNow());
        var upload = await new UploadClient(connection.Blobs, connection.Time).UploadAsync(UploadClient.Check(runFolder), runId, null, cancel);
        await UploadClient.NotifyAsync(connection.Bus, upload, connection.BlobsUri, cancel);

        // distill up --target azurite: the handlers and one runner on the same connection.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var handlers = new LocalHandlerHost(connection, NullLoggerFactory.Instance).RunAsync(stop.Token);
        var worker = new StageWorker(connection.Bus, connection.Blobs, new StageWorkerOptions
        {
            RunnerId = "runner-azurite",
            Folder = Path.Join(store, "runners", "runner-azurite"),
            LeaseDuration = TimeSpan.FromSeconds(15),
            LeaseRenewInterval = TimeSpan.FromSeconds(1),
            ReceiveWait = TimeSpan.FromSeconds(1),
            BusyRedeliveryDelay = TimeSpan.Zero,
            TransientRedeliveryDelay = TimeSpan.Zero,
        }, TimeProvider.System, NullLogger<StageWorker>.Instance, events: connection.CreateContext().Events);
        var working = worker.RunAsync(once: false, idleExit: null, stop.Token);

        RunState? state;
        var deadline = DateTimeOffset.UtcNow + s_runTimeout;
        while (true)
        {
            state = (await connection.CreateContext().Runs.ReadAsync(runId, cancel))?.State;
            if (state is { IsFinished: true } || DateTimeOffset.UtcNow > deadline || handlers.IsCompleted || working.IsCompleted)
            {
                break;
            }
            await Task.Delay(250, cancel);
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"run finished after {clock.Elapsed.TotalSeconds:F1} s (Azurite started in {azurite.StartupTime.TotalSeconds:F1} s)");
        await stop.CancelAsync();
        await Task.WhenAll(handlers, working).WaitAsync(TimeSpan.FromSeconds(30), cancel);

        Assert.NotNull(state);
        Assert.True(state.Status == RunStatus.Completed, $"run {runId} is {state.Status}: {string.Join("; ", state.Failure?.Reasons ?? [])}");
        var student = state.Result?.Student ?? throw new InvalidOperationException("a completed run has a result");
        Assert.Equal(BlobPaths.ModelsContainer, student.Container);

        // The student is in Azurite's models container (read with a separate client), and nothing went to a blob folder.
        var fromAzurite = new AzureBlobStore(azurite.Options);
        var files = new List<string>();
        await foreach (var item in fromAzurite.ListAsync(BlobPaths.ModelsContainer, student.Name.TrimEnd('/') + "/", cancel))
        {
            files.Add(item.Name[(student.Name.TrimEnd('/').Length + 1)..]);
        }
        Assert.Contains("config.json", files);
        Assert.Contains("model.safetensors", files);
        Assert.False(Directory.Exists(Path.Join(store, LocalStore.BlobsFolderName)));
        Assert.True(File.Exists(Path.Join(store, LocalStore.BusFileName)));
    }

    private string WriteRunFolder()
    {
        var folder = Path.Join(_root, "run");
        var teacher = Path.Join(folder, "teacher");
        Directory.CreateDirectory(teacher);
        foreach (var file in Directory.EnumerateFiles(models.TeacherFolder))
        {
            File.Copy(file, Path.Join(teacher, Path.GetFileName(file)));
        }
        Directory.CreateDirectory(Path.Join(folder, "data"));
        File.WriteAllText(Path.Join(folder, "data", "train.jsonl"), TinyCorpus.Jsonl(0, 60));
        File.WriteAllText(Path.Join(folder, "pipeline.json"), TestManifests.Kd(steps: 10, checkpointEvery: 5));
        return folder;
    }
}
