using Distill.Contracts.Runs;
using Distill.Contracts.Stages;
using Distill.Pipeline.Local;
using Distill.Pipeline.Tests.Handlers;
using Distill.Pipeline.Tests.Messaging;
using Distill.Pipeline.Uploads;
using Microsoft.Data.Sqlite;

namespace Distill.Pipeline.Tests.Local;

public sealed class LocalHandlerHostTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    [Fact]
    public async Task Run_SubmittedFolder_IsAcceptedAndItsFirstStageQueuedUntilCancelled()
    {
        var cancel = TestContext.Current.CancellationToken;
        var folder = Path.Combine(_directory.Path, "run");
        TestUpload.Valid().WriteTo(folder);
        await using var store = await LocalStore.OpenAsync(Path.Combine(_directory.Path, "store"), TimeProvider.System, cancel);
        var logs = new RecordingLoggerFactory();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var host = new LocalHandlerHost(store, logs).RunAsync(stop.Token);

        var result = await new UploadClient(store.Blobs, store.Time).UploadAsync(UploadClient.Check(folder), "local-1", null, cancel);
        await UploadClient.NotifyAsync(store.Bus, result, store.BlobsUri, cancel);
        var command = await store.Bus.ReceiveAsync(PipelineTopology.StagesQueue, TimeSpan.FromSeconds(20), cancel);
        await stop.CancelAsync();
        await host.WaitAsync(TimeSpan.FromSeconds(20), cancel);

        Assert.NotNull(command);
        Assert.Equal(RunStageCommand.MessageIdFor("local-1", StageNames.Prepare, 1), command.MessageId);
        var state = await store.CreateContext().Runs.ReadAsync("local-1", cancel);
        Assert.Equal(RunStatus.Accepted, state?.State.Status);
        Assert.True(LocalStore.Exists(store.Root));
        Assert.Contains(logs.Entries, e => e.Message.StartsWith("Handlers on", StringComparison.Ordinal) && e.Message.EndsWith("stopped", StringComparison.Ordinal));
    }

    [Fact]
    public void ResolvePath_GivenOrEnvironmentOrDefault()
    {
        Assert.Equal(Path.GetFullPath("some/store"), LocalStore.ResolvePath("some/store"));
        var expected = Environment.GetEnvironmentVariable(LocalStore.EnvironmentVariable) is { Length: > 0 } fromEnvironment
            ? Path.GetFullPath(fromEnvironment)
            : Path.GetFullPath(".distill");
        Assert.Equal(expected, LocalStore.ResolvePath(null));
    }
}
