using Distill.Contracts.Storage;
using Distill.Pipeline.Events;
using Distill.Pipeline.Handlers;
using Distill.Pipeline.Messaging;
using Distill.Pipeline.Storage;

namespace Distill.Pipeline.Local;

/// <summary>
/// The pipeline's storage on one machine, in one folder: the blobs in <c>{root}/blobs</c> (<see cref="FolderBlobStore"/>,
/// with the uploads, runs and models containers) and the bus in <c>{root}/bus.db</c> (<see cref="SqliteMessageBus"/>
/// with <see cref="PipelineTopology"/>). Any number of processes (the handlers, runners, the CLI) open the same folder
/// at once. The default folder is <c>$DISTILL_STORE</c>, else <c>.distill</c> in the current folder.
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

    private LocalStore(string root, FolderBlobStore blobs, SqliteMessageBus bus, TimeProvider time)
    {
        Root = root;
        Blobs = blobs;
        Bus = bus;
        Time = time;
    }

    /// <summary>The store's folder (a full path).</summary>
    public string Root { get; }

    public FolderBlobStore Blobs { get; }

    public SqliteMessageBus Bus { get; }

    public TimeProvider Time { get; }

    /// <summary>The base of the blobs' URLs in storage events (the blob folder as a file URI).</summary>
    public Uri BlobsUri => new(Blobs.Root.EndsWith(Path.DirectorySeparatorChar) ? Blobs.Root : Blobs.Root + Path.DirectorySeparatorChar);

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
        var blobs = new FolderBlobStore(Path.Join(fullRoot, BlobsFolderName), time);
        SqliteMessageBus? bus = null;
        try
        {
            bus = new SqliteMessageBus(Path.Join(fullRoot, BusFileName), PipelineTopology.Create(), time);
            foreach (var container in new[] { BlobPaths.UploadsContainer, BlobPaths.RunsContainer, BlobPaths.ModelsContainer })
            {
                await blobs.CreateContainerIfNotExistsAsync(container, cancellationToken).ConfigureAwait(false);
            }
            return new LocalStore(fullRoot, blobs, bus, time);
        }
        catch
        {
            if (bus is not null)
            {
                await bus.DisposeAsync().ConfigureAwait(false);
            }
            blobs.Dispose();
            throw;
        }
    }

    /// <summary>What the handlers work with on this store (events go to the bus topic and each run's event folder).</summary>
    public PipelineContext CreateContext(IExternalEventSink? externalSink = null) => new(Blobs, Bus, Time, externalSink);

    public async ValueTask DisposeAsync()
    {
        await Bus.DisposeAsync().ConfigureAwait(false);
        Blobs.Dispose();
    }
}
