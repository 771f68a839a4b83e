using Distill.Pipeline;
using Distill.Pipeline.Messaging;
using Distill.Pipeline.Storage;

namespace Distill.Runner.Hosting;

/// <summary>
/// The pipeline's storage and bus on one machine, in a folder (<c>.distill</c> unless <c>DISTILL_STORE</c> names
/// another): blobs in <c>{folder}/blobs</c> (<see cref="FolderBlobStore"/>) and the bus in <c>{folder}/bus.db</c>
/// (<see cref="SqliteMessageBus"/> with <see cref="PipelineTopology"/>). Any number of processes may open it at once.
/// </summary>
public sealed class LocalStore : IAsyncDisposable
{
    public const string DefaultFolder = ".distill";
    public const string EnvironmentVariable = "DISTILL_STORE";
    public const string BlobsFolderName = "blobs";
    public const string BusFileName = "bus.db";

    private readonly FolderBlobStore _blobs;
    private readonly SqliteMessageBus _bus;

    private LocalStore(string folder, FolderBlobStore blobs, SqliteMessageBus bus)
    {
        Folder = folder;
        _blobs = blobs;
        _bus = bus;
    }

    /// <summary>The store's folder (full path).</summary>
    public string Folder { get; }

    public IBlobStore Blobs => _blobs;

    public IMessageBus Bus => _bus;

    /// <summary>The folder given, else <c>DISTILL_STORE</c>, else <see cref="DefaultFolder"/> in the working directory.</summary>
    public static string ResolveFolder(string? folder) =>
        Path.GetFullPath(!string.IsNullOrWhiteSpace(folder) ? folder
            : Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } configured ? configured
            : DefaultFolder);

    /// <summary>Opens (creating when needed) the store in <paramref name="folder"/>.</summary>
    public static LocalStore Open(string folder, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(time);
        var full = Path.GetFullPath(folder);
        Directory.CreateDirectory(full);
        var blobs = new FolderBlobStore(Path.Join(full, BlobsFolderName), time);
        try
        {
            return new LocalStore(full, blobs, new SqliteMessageBus(Path.Join(full, BusFileName), PipelineTopology.Create(), time));
        }
        catch
        {
            blobs.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _bus.DisposeAsync().ConfigureAwait(false);
        _blobs.Dispose();
    }
}
