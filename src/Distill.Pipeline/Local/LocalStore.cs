using Distill.Pipeline.Configuration;
using Distill.Pipeline.Events;
using Distill.Pipeline.Handlers;
using Distill.Pipeline.Messaging;
using Distill.Pipeline.Storage;

namespace Distill.Pipeline.Local;

/// <summary>
/// The pipeline's storage on one machine, in one folder: the blobs in <c>{root}/blobs</c> (<see cref="FolderBlobStore"/>,
/// with the uploads, runs and models containers) and the bus in <c>{root}/bus.db</c> (<see cref="SqliteMessageBus"/>
/// with <see cref="PipelineTopology"/>). It is the Folder storage and Sqlite bus of <see cref="DistillOptions"/>
/// (<see cref="DistillOptions.ForLocalStore"/>), opened through <see cref="PipelineConnection"/>. Any number of processes
/// (the handlers, runners, the CLI) open the same folder at once. The default folder is <c>$DISTILL_STORE</c>, else
/// <c>.distill</c> in the current folder.
/// </summary>
public sealed class LocalStore : IAsyncDisposable
{
    /// <summary>The environment variable naming the default store folder.</summary>
    public const string EnvironmentVariable = "DISTILL_STORE";

    /// <summary>The store folder's name in the current folder when <see cref="EnvironmentVariable"/> is not set.</summary>
    public const string DefaultFolderName = ".distill";

    /// <summary>The blob folder's name in the store.</summary>
    public const string BlobsFolderName = "blobs";

    /// <summary>The bus database's file name in the store.</summary>
    public const string BusFileName = "bus.db";

    private LocalStore(string root, PipelineConnection connection)
    {
        Root = root;
        Connection = connection;
        Blobs = (FolderBlobStore)connection.Blobs;
        Bus = (SqliteMessageBus)connection.Bus;
    }

    /// <summary>The store's folder (a full path).</summary>
    public string Root { get; }

    /// <summary>The blob store and bus as every target has them.</summary>
    public PipelineConnection Connection { get; }

    public FolderBlobStore Blobs { get; }

    public SqliteMessageBus Bus { get; }

    public TimeProvider Time => Connection.Time;

    /// <summary>The base of the blobs' URLs in storage events (the blob folder as a file URI).</summary>
    public Uri BlobsUri => Connection.BlobsUri;

    /// <summary><paramref name="given"/> as a full path, or the default store: <c>$DISTILL_STORE</c>, else <c>./.distill</c>.</summary>
    public static string ResolvePath(string? given = null)
    {
        if (!string.IsNullOrWhiteSpace(given))
        {
            return Path.GetFullPath(given);
        }
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        return Path.GetFullPath(string.IsNullOrWhiteSpace(fromEnvironment) ? DefaultFolderName : fromEnvironment);
    }

    /// <summary>True when <paramref name="root"/> holds a store (its bus database exists).</summary>
    public static bool Exists(string root) => File.Exists(Path.Join(root, BusFileName)) && Directory.Exists(Path.Join(root, BlobsFolderName));

    /// <summary>Opens the store in <paramref name="root"/>, creating its folders, bus and containers when needed.</summary>
    public static async Task<LocalStore> OpenAsync(string root, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentNullException.ThrowIfNull(time);
        var fullRoot = Path.GetFullPath(root);
        Directory.CreateDirectory(fullRoot);
        var connection = await PipelineConnection.OpenAsync(DistillOptions.ForLocalStore(fullRoot), time, cancellationToken).ConfigureAwait(false);
        return new LocalStore(fullRoot, connection);
    }

    /// <summary>What the handlers work with on this store (events go to the bus topic and each run's event folder).</summary>
    public PipelineContext CreateContext(IExternalEventSink? externalSink = null) => new(Blobs, Bus, Time, externalSink);

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}
