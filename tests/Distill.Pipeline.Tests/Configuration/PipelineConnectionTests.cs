using Distill.Contracts.Events;
using Distill.Contracts.Storage;
using Distill.Pipeline.Configuration;
using Distill.Pipeline.Events;
using Distill.Pipeline.Local;
using Distill.Pipeline.Messaging;
using Distill.Pipeline.Storage;
using Distill.Pipeline.Tests.Azure.ServiceBus;
using Distill.Pipeline.Tests.Messaging;
using Microsoft.Data.Sqlite;

namespace Distill.Pipeline.Tests.Configuration;

public sealed class PipelineConnectionTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    [Fact]
    public async Task OpenAsync_FolderAndSqlite_CreatesTheContainersAndTheBus()
    {
        var cancel = TestContext.Current.CancellationToken;
        var options = new DistillOptions
        {
            Storage = new StorageOptions { Kind = StorageKind.Folder, Folder = _directory.File("blobs") },
            Bus = new BusOptions { Kind = BusKind.Sqlite, Path = _directory.File("queues/bus.db") },
        };

        await using var connection = await PipelineConnection.OpenAsync(options, TimeProvider.System, cancel);

        var folder = Assert.IsType<FolderBlobStore>(connection.Blobs);
        Assert.Equal(_directory.File("blobs"), folder.Root);
        Assert.IsType<SqliteMessageBus>(connection.Bus);
        Assert.True(File.Exists(_directory.File("queues/bus.db")));
        Assert.Null(connection.ExternalEvents);
        foreach (var container in new[] { BlobPaths.UploadsContainer, BlobPaths.RunsContainer, BlobPaths.ModelsContainer })
        {
            Assert.True(Directory.Exists(Path.Join(folder.Root, container)), container);
        }
        Assert.Equal(new Uri(folder.Root + Path.DirectorySeparatorChar), connection.BlobsUri);
        Assert.Contains(folder.Root, connection.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateContext_PublishesOnTheConnectionsBusAndBlobs()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var connection = await PipelineConnection.OpenAsync(DistillOptions.ForLocalStore(_directory.Path), TimeProvider.System, cancel);

        var published = await connection.CreateContext().Events.PublishAsync(new PipelineFailed { RunId = "run-1", Name = "tiny", Reasons = ["stopped by the test"] }, cancel);

        var stored = BlobPaths.RunEvent("run-1", published.Id);
        Assert.NotNull(await connection.Blobs.TryGetPropertiesAsync(new BlobAddress(stored.Container, stored.Name), cancel));
        var log = await new RunEventLog(connection.Blobs, "run-1").ReadNewAsync([], cancel);
        Assert.Equal(DistillEventTypes.PipelineFailed, Assert.Single(log).Type);
    }

    [Fact]
    public async Task OpenAsync_InvalidOptions_ThrowsBeforeCreatingAnything()
    {
        var cancel = TestContext.Current.CancellationToken;
        var options = new DistillOptions { Storage = new StorageOptions { Kind = StorageKind.Folder, Folder = _directory.File("blobs") } };

        var e = await Assert.ThrowsAsync<DistillConfigurationException>(() => PipelineConnection.OpenAsync(options, TimeProvider.System, cancel));

        Assert.Equal(["Distill:Bus:Kind is required: Sqlite or ServiceBus"], e.Problems);
        Assert.False(Directory.Exists(_directory.File("blobs")));
    }

    [Fact]
    public async Task OpenAsync_EventGridEndpoint_WiresTheEventGridSink()
    {
        var cancel = TestContext.Current.CancellationToken;
        var options = DistillOptions.ForLocalStore(_directory.Path);
        options.Events.EventGridEndpoint = new Uri("https://evgt-distill.westeurope-1.eventgrid.azure.net");

        await using var connection = await PipelineConnection.OpenAsync(options, TimeProvider.System, new PipelineClientOptions { Credential = new StaticTokenCredential("token") }, cancel);

        var sink = Assert.IsType<EventGridEventSink>(connection.ExternalEvents);
        Assert.Equal(new Uri("https://evgt-distill.westeurope-1.eventgrid.azure.net/api/events"), sink.Endpoint);
    }

    [Fact]
    public async Task LocalStore_IsTheFolderAndSqliteConnection()
    {
        var cancel = TestContext.Current.CancellationToken;

        await using var store = await LocalStore.OpenAsync(_directory.Path, TimeProvider.System, cancel);

        Assert.Equal(StorageKind.Folder, store.Connection.Options.Storage.Kind);
        Assert.Equal(Path.Join(_directory.Path, LocalStore.BlobsFolderName), store.Connection.Options.Storage.Folder);
        Assert.Same(store.Blobs, store.Connection.Blobs);
        Assert.Same(store.Bus, store.Connection.Bus);
        Assert.True(LocalStore.Exists(_directory.Path));
    }
}
