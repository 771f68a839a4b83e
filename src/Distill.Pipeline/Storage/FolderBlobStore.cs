using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;

namespace Distill.Pipeline.Storage;

/// <summary>
/// An <see cref="IBlobStore"/> on a local folder, safe to share between threads and processes on one machine.
/// </summary>
/// <remarks>
/// <para>Layout under the root folder:</para>
/// <code>
/// {container}/{name}              the blob's bytes as written ('/' in a name makes folders): runs/abc/state.json
/// .blobstore/meta/{container}/{name}
///                                 its sidecar: JSON with ETag, length, content type, last modified, metadata, lease
/// .blobstore/staging/             content being written (*.tmp), committed content awaiting its rename (*.staged),
///                                 sidecars being written (*.meta.tmp)
/// .blobstore/lock                 the lock file that serializes changes across processes
/// </code>
/// <para>
/// A write streams the content into a staging file and flushes it to disk without holding any lock. Then, under the
/// store lock (<see cref="FolderStoreLock"/>), it checks the conditions and the lease against the current sidecar,
/// replaces the sidecar (written to a temporary file, flushed, renamed: the commit point) naming the staged file,
/// and renames the staged file over the content file. A writer that stops between commit and rename leaves the staged
/// file behind; the next operation under the lock finishes the rename. A failed write deletes its staging file.
/// Reads open the content file and read its sidecar under the lock, then stream without it: a later rename replaces
/// the directory entry, not the file being read, so a reader sees exactly the version it opened. Listing and
/// properties read sidecars without the lock (each sidecar is replaced atomically). Staging files untouched for a day
/// (left by a crashed process) are removed when a store opens the folder.
/// </para>
/// <para>
/// Limits: the root must be on one local file system (renames between its folders must be atomic; an NFS mount is
/// not supported); a blob cannot also be a folder of other blobs (<c>a</c> and <c>a/b</c>:
/// <see cref="BlobStoreErrorReason.NameConflict"/>); names differing only in case collide on case-insensitive file
/// systems; on Windows, where a file that is open cannot be renamed over, a blob cannot be replaced while it is being
/// read. A power loss may lose the last writes (renames are not followed by a flush of the folder), never leave a
/// torn blob.
/// </para>
/// </remarks>
public sealed class FolderBlobStore : IBlobStore, IDisposable
{
    private const string SystemFolderName = ".blobstore";
    private const int CopyBufferSize = 1 << 20;
    private static readonly TimeSpan s_staleStagingAge = TimeSpan.FromDays(1);
    private static readonly TimeSpan s_lockTimeout = TimeSpan.FromSeconds(30);
    private static readonly BlobPutOptions s_defaultPutOptions = new();
    private static readonly EnumerationOptions s_listOptions = new()
    {
        RecurseSubdirectories = true,
        // Names starting with '.' count as hidden on Unix; they are blobs like any other here.
        AttributesToSkip = 0,
    };

    private readonly TimeProvider _timeProvider;
    private readonly string _metaRoot;
    private readonly string _stagingRoot;
    private readonly FolderStoreLock _lock;

    /// <summary>Opens (creating when needed) a store in <paramref name="root"/>; lease expiry follows <paramref name="timeProvider"/>.</summary>
    public FolderBlobStore(string root, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ThrowIfFileLockingDisabled();
        Root = Path.GetFullPath(root);
        _timeProvider = timeProvider;
        var system = Path.Join(Root, SystemFolderName);
        _metaRoot = Path.Join(system, "meta");
        _stagingRoot = Path.Join(system, "staging");
        Directory.CreateDirectory(_metaRoot);
        Directory.CreateDirectory(_stagingRoot);
        _lock = new FolderStoreLock(Path.Join(system, "lock"), s_lockTimeout);
        RemoveStaleStagingFiles();
    }

    /// <summary>The folder holding the containers.</summary>
    public string Root { get; }

    /// <summary>Test hook: runs after a write's commit and before its content rename (throw here to simulate a crash).</summary>
    internal Action<BlobAddress>? AfterCommitForTesting { get; set; }

    public async Task<bool> CreateContainerIfNotExistsAsync(string container, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(container);
        BlobNames.ThrowIfInvalidContainer(container);
        using (await _lock.AcquireAsync(cancellationToken).ConfigureAwait(false))
        {
            var folder = Path.Join(Root, container);
            var existed = Directory.Exists(folder);
            Directory.CreateDirectory(folder);
            Directory.CreateDirectory(Path.Join(_metaRoot, container));
            return !existed;
        }
    }

    public async Task<BlobWriteResult> PutAsync(BlobAddress blob, Stream content, BlobPutOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(content);
        options ??= s_defaultPutOptions;
        options.Validate();
        var conditions = options.Conditions;
        var leaseId = LeaseIdOf(conditions);
        ThrowIfNoContainer(blob.Container, blob.Name);
        // Fail before streaming what may be gigabytes when the write is bound to fail; checked again at the commit.
        CheckWrite(ReadSidecar(SidecarPath(blob)), blob, conditions, leaseId, Now());

        var staging = Path.Join(_stagingRoot, Guid.NewGuid().ToString("N") + ".tmp");
        var committed = false;
        try
        {
            long length;
            var file = new FileStream(staging, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                await content.CopyToAsync(file, CopyBufferSize, cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
                length = file.Length;
            }

            using (await _lock.AcquireAsync(cancellationToken).ConfigureAwait(false))
            {
                var now = Now();
                var current = LoadSidecar(blob);
                var lease = CheckWrite(current, blob, conditions, leaseId, now);
                if (current is null)
                {
                    PrepareFolders(blob);
                }
                // From here on the staging file belongs to the sidecar that names it: the sweep leaves *.staged alone.
                var stagedName = Guid.NewGuid().ToString("N") + ".staged";
                var staged = Path.Join(_stagingRoot, stagedName);
                File.Move(staging, staged);
                staging = staged;
                var sidecar = new FolderBlobSidecar
                {
                    ETag = NewETag(),
                    Length = length,
                    ContentType = options.ContentType ?? BlobPutOptions.DefaultContentType,
                    LastModified = ToWholeSeconds(now),
                    Metadata = options.Metadata is null ? [] : new Dictionary<string, string>(options.Metadata),
                    Lease = lease,
                    Staged = stagedName,
                };
                WriteSidecar(blob, sidecar);
                committed = true;
                AfterCommitForTesting?.Invoke(blob);
                File.Move(staged, ContentPath(blob), overwrite: true);
                return new BlobWriteResult(sidecar.ETag, sidecar.LastModified);
            }
        }
        finally
        {
            if (!committed)
            {
                File.Delete(staging);
            }
        }
    }

    public async Task<BlobDownload> GetAsync(BlobAddress blob, BlobRange? range, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        using (await _lock.AcquireAsync(cancellationToken).ConfigureAwait(false))
        {
            var sidecar = LoadSidecar(blob) ?? throw Missing(blob);
            var offset = range?.Offset ?? 0;
            if (offset > sidecar.Length || (offset == sidecar.Length && sidecar.Length > 0))
            {
                throw BlobStoreErrors.InvalidRange(blob, offset, sidecar.Length);
            }
            var count = Math.Min(range?.Length ?? long.MaxValue, sidecar.Length - offset);
            var path = ContentPath(blob);
            var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
            try
            {
                if (file.Length != sidecar.Length)
                {
                    throw new InvalidDataException($"blob content file {path} has {file.Length} bytes but its sidecar {SidecarPath(blob)} says {sidecar.Length}; the folder was changed outside the blob store");
                }
                file.Position = offset;
                return new BlobDownload(new BlobReadStream(file, count), sidecar.ToProperties(Now()), count);
            }
            catch
            {
                await file.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    public Task<BlobProperties> GetPropertiesAsync(BlobAddress blob, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        cancellationToken.ThrowIfCancellationRequested();
        var sidecar = ReadSidecar(SidecarPath(blob)) ?? throw Missing(blob);
        return Task.FromResult(sidecar.ToProperties(Now()));
    }

    public async IAsyncEnumerable<BlobItem> ListAsync(string container, string? prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(container);
        BlobNames.ThrowIfInvalidContainer(container);
        prefix ??= "";
        BlobNames.ThrowIfInvalidPrefix(container, prefix);
        ThrowIfNoContainer(container, null);
        foreach (var name in ListNames(container, prefix))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var path = Path.Join(_metaRoot, container, ToRelativePath(name));
            // Deleted since the folder was scanned: no longer listed.
            if (await ReadSidecarAsync(path, cancellationToken).ConfigureAwait(false) is { } sidecar)
            {
                yield return new BlobItem(name, sidecar.ToProperties(Now()));
            }
        }
    }

    public async Task DeleteAsync(BlobAddress blob, BlobConditions? conditions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        conditions?.Validate();
        var leaseId = LeaseIdOf(conditions);
        using (await _lock.AcquireAsync(cancellationToken).ConfigureAwait(false))
        {
            var current = LoadSidecar(blob);
            CheckETagConditions(current, blob, conditions);
            if (current is null)
            {
                throw Missing(blob);
            }
            FolderBlobLease.ForWrite(current.Lease, blob, leaseId, Now());
            // The sidecar's removal is the commit point; a content file without a sidecar is not a blob.
            File.Delete(SidecarPath(blob));
            File.Delete(ContentPath(blob));
            RemoveEmptyFolders(Path.Join(_metaRoot, blob.Container), blob.Name);
            RemoveEmptyFolders(Path.Join(Root, blob.Container), blob.Name);
        }
    }

    public Task<string> AcquireLeaseAsync(BlobAddress blob, TimeSpan duration, string? proposedLeaseId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        BlobLeases.ValidateDuration(duration);
        Guid? proposed = proposedLeaseId is null ? null : BlobLeases.ParseLeaseId(proposedLeaseId, nameof(proposedLeaseId));
        return ChangeLeaseAsync(blob, (lease, now) =>
        {
            var acquired = FolderBlobLease.Acquire(lease, blob, duration, proposed, now);
            return (acquired, BlobLeases.Format(acquired.Id));
        }, cancellationToken);
    }

    public Task RenewLeaseAsync(BlobAddress blob, string leaseId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        var id = BlobLeases.ParseLeaseId(leaseId, nameof(leaseId));
        return ChangeLeaseAsync(blob, (lease, now) => (FolderBlobLease.Renew(lease, blob, id, now), true), cancellationToken);
    }

    public Task ReleaseLeaseAsync(BlobAddress blob, string leaseId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        var id = BlobLeases.ParseLeaseId(leaseId, nameof(leaseId));
        return ChangeLeaseAsync(blob, (lease, _) =>
        {
            FolderBlobLease.Release(lease, blob, id);
            return ((FolderBlobLease?)null, true);
        }, cancellationToken);
    }

    public Task<TimeSpan> BreakLeaseAsync(BlobAddress blob, TimeSpan? breakPeriod, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        BlobLeases.ValidateBreakPeriod(breakPeriod);
        return ChangeLeaseAsync(blob, (lease, now) => FolderBlobLease.Break(lease, blob, breakPeriod, now), cancellationToken);
    }

    public void Dispose() => _lock.Dispose();

    private async Task<T> ChangeLeaseAsync<T>(BlobAddress blob, Func<FolderBlobLease?, DateTimeOffset, (FolderBlobLease? Lease, T Result)> change, CancellationToken cancellationToken)
    {
        using (await _lock.AcquireAsync(cancellationToken).ConfigureAwait(false))
        {
            var current = LoadSidecar(blob) ?? throw Missing(blob);
            var (lease, result) = change(current.Lease, Now());
            // Lease changes keep the ETag and last-modified time, as in Azure.
            if (lease != current.Lease)
            {
                WriteSidecar(blob, current with { Lease = lease });
            }
            return result;
        }
    }

    private static FolderBlobLease? CheckWrite(FolderBlobSidecar? current, BlobAddress blob, BlobConditions? conditions, Guid? leaseId, DateTimeOffset now)
    {
        CheckETagConditions(current, blob, conditions);
        return FolderBlobLease.ForWrite(current?.Lease, blob, leaseId, now);
    }

    private static void CheckETagConditions(FolderBlobSidecar? current, BlobAddress blob, BlobConditions? conditions)
    {
        if (conditions?.IfMatch is { } ifMatch && (current is null || (ifMatch != "*" && ifMatch != current.ETag)))
        {
            throw BlobStoreErrors.ETagMismatch(blob, ifMatch);
        }
        if (conditions?.IfNoneMatch is { } ifNoneMatch && current is not null)
        {
            if (ifNoneMatch == "*")
            {
                throw BlobStoreErrors.AlreadyExists(blob);
            }
            if (ifNoneMatch == current.ETag)
            {
                throw BlobStoreErrors.ETagMatched(blob, current.ETag);
            }
        }
    }

    private static Guid? LeaseIdOf(BlobConditions? conditions) =>
        conditions?.LeaseId is { } leaseId ? BlobLeases.ParseLeaseId(leaseId, nameof(BlobConditions.LeaseId)) : null;

    /// <summary>Reads the sidecar and, holding the lock, finishes a content rename its writer did not get to.</summary>
    private FolderBlobSidecar? LoadSidecar(BlobAddress blob)
    {
        var sidecar = ReadSidecar(SidecarPath(blob));
        if (sidecar?.Staged is { } stagedName)
        {
            var staged = Path.Join(_stagingRoot, stagedName);
            if (File.Exists(staged))
            {
                Directory.CreateDirectory(ParentFolder(Path.Join(Root, blob.Container), blob.Name));
                File.Move(staged, ContentPath(blob), overwrite: true);
            }
        }
        return sidecar;
    }

    private void WriteSidecar(BlobAddress blob, FolderBlobSidecar sidecar)
    {
        var temporary = Path.Join(_stagingRoot, Guid.NewGuid().ToString("N") + ".meta.tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                JsonSerializer.Serialize(file, sidecar, FolderBlobStoreJsonContext.Default.FolderBlobSidecar);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, SidecarPath(blob), overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private static FolderBlobSidecar? ReadSidecar(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (IsAbsent(ex, path))
        {
            return null;
        }
        return Deserialize(bytes, path);
    }

    private static async Task<FolderBlobSidecar?> ReadSidecarAsync(string path, CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsAbsent(ex, path))
        {
            return null;
        }
        return Deserialize(bytes, path);
    }

    // Missing, under a blob's file where a folder would be, or a folder of other blobs where the sidecar would be.
    private static bool IsAbsent(Exception ex, string path) =>
        ex is FileNotFoundException or DirectoryNotFoundException || (ex is UnauthorizedAccessException && Directory.Exists(path));

    private static FolderBlobSidecar Deserialize(byte[] bytes, string path)
    {
        try
        {
            return JsonSerializer.Deserialize(bytes, FolderBlobStoreJsonContext.Default.FolderBlobSidecar)
                ?? throw new InvalidDataException($"blob sidecar {path} holds JSON null instead of the blob's properties");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"blob sidecar {path} is not valid: {ex.Message}", ex);
        }
    }

    private List<string> ListNames(string container, string prefix)
    {
        var containerMeta = Path.Join(_metaRoot, container);
        var slash = prefix.LastIndexOf('/');
        // Only the folder the prefix ends in can hold matching names.
        var start = slash < 0 ? containerMeta : Path.Join(containerMeta, ToRelativePath(prefix[..slash]));
        var names = new List<string>();
        if (!Directory.Exists(start))
        {
            return names;
        }
        try
        {
            foreach (var path in Directory.EnumerateFiles(start, "*", s_listOptions))
            {
                var name = Path.GetRelativePath(containerMeta, path).Replace(Path.DirectorySeparatorChar, '/');
                if (name.StartsWith(prefix, StringComparison.Ordinal))
                {
                    names.Add(name);
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
            // The folder was removed with its last blob while being scanned.
        }
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>Makes the folders a new blob needs, refusing names that clash with other blobs' files or folders.</summary>
    private void PrepareFolders(BlobAddress blob)
    {
        var segments = blob.Name.Split('/');
        var contentFolder = Path.Join(Root, blob.Container);
        var metaFolder = Path.Join(_metaRoot, blob.Container);
        for (var i = 0; i < segments.Length - 1; i++)
        {
            contentFolder = Path.Join(contentFolder, segments[i]);
            metaFolder = Path.Join(metaFolder, segments[i]);
            if (File.Exists(metaFolder))
            {
                var parent = string.Join('/', segments[..(i + 1)]);
                throw BlobStoreErrors.NameConflict(blob, $"'{parent}' is a blob, and a blob cannot also be a folder of other blobs in a folder store");
            }
            if (File.Exists(contentFolder))
            {
                // Content whose sidecar is gone (a delete that stopped half way) is not a blob.
                File.Delete(contentFolder);
            }
        }
        Directory.CreateDirectory(contentFolder);
        Directory.CreateDirectory(metaFolder);
        if (Directory.Exists(SidecarPath(blob)) && !TryRemoveEmptyFolder(SidecarPath(blob)))
        {
            throw BlobStoreErrors.NameConflict(blob, $"other blobs are named '{blob.Name}/...', and a folder of blobs cannot also be a blob in a folder store");
        }
        if (Directory.Exists(ContentPath(blob)) && !TryRemoveEmptyFolder(ContentPath(blob)))
        {
            throw BlobStoreErrors.NameConflict(blob, $"the folder {ContentPath(blob)}, which holds no blobs, is in the way; remove it");
        }
    }

    /// <summary>Removes the folders of a deleted blob's name that are now empty, deepest first.</summary>
    private static void RemoveEmptyFolders(string containerFolder, string name)
    {
        var segments = name.Split('/');
        for (var depth = segments.Length - 1; depth > 0; depth--)
        {
            var folder = Path.Join(containerFolder, string.Join(Path.DirectorySeparatorChar, segments[..depth]));
            if (!TryRemoveEmptyFolder(folder))
            {
                return;
            }
        }
    }

    /// <summary>True when the folder is gone afterwards.</summary>
    private static bool TryRemoveEmptyFolder(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: false);
            return true;
        }
        catch (DirectoryNotFoundException)
        {
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private void RemoveStaleStagingFiles()
    {
        var cutoff = _timeProvider.GetUtcNow().UtcDateTime - s_staleStagingAge;
        foreach (var path in Directory.EnumerateFiles(_stagingRoot, "*.tmp"))
        {
            if (File.GetLastWriteTimeUtc(path) < cutoff)
            {
                File.Delete(path);
            }
        }
    }

    private void ThrowIfNoContainer(string container, string? blobName)
    {
        if (!Directory.Exists(Path.Join(Root, container)))
        {
            throw BlobStoreErrors.ContainerNotFound(container, blobName);
        }
    }

    private BlobStoreException Missing(BlobAddress blob) =>
        Directory.Exists(Path.Join(Root, blob.Container))
            ? BlobStoreErrors.NotFound(blob)
            : BlobStoreErrors.ContainerNotFound(blob.Container, blob.Name);

    private static void ThrowIfFileLockingDisabled()
    {
        var disabled = (AppContext.TryGetSwitch("System.IO.DisableFileLocking", out var value) && value)
            || Environment.GetEnvironmentVariable("DOTNET_SYSTEM_IO_DISABLEFILELOCKING") is "1" or "true";
        if (disabled)
        {
            throw new InvalidOperationException("FolderBlobStore serializes processes with file locks, but System.IO.DisableFileLocking (DOTNET_SYSTEM_IO_DISABLEFILELOCKING) turns them off");
        }
    }

    private DateTimeOffset Now() => _timeProvider.GetUtcNow();

    private string ContentPath(BlobAddress blob) => Path.Join(Root, blob.Container, ToRelativePath(blob.Name));

    private string SidecarPath(BlobAddress blob) => Path.Join(_metaRoot, blob.Container, ToRelativePath(blob.Name));

    private static string ParentFolder(string containerFolder, string name) =>
        name.LastIndexOf('/') is var slash and >= 0 ? Path.Join(containerFolder, ToRelativePath(name[..slash])) : containerFolder;

    private static string ToRelativePath(string name) => name.Replace('/', Path.DirectorySeparatorChar);

    private static string NewETag() => $"\"0x{RandomNumberGenerator.GetHexString(16)}\"";

    private static DateTimeOffset ToWholeSeconds(DateTimeOffset time) =>
        new(time.UtcTicks - time.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
}
