using Distill.Contracts.Storage;
using Distill.Pipeline.Storage;

namespace Distill.Runner.Storage;

/// <summary>
/// A runner's local copies of blobs (the teacher, the data, artifacts), kept between stages: <c>{root}/{container}/{name}</c>,
/// each with its ETag in <c>{root}/.etags/{container}/{name}</c>. A blob is downloaded again only when its ETag changed, so a
/// second stage on the same runner reads the teacher from disk. One runner uses a cache at a time.
/// </summary>
public sealed class BlobFolderCache
{
    private const string ETagFolderName = ".etags";
    private const string TempFolderName = ".tmp";
    private readonly IBlobStore _blobs;

    public BlobFolderCache(IBlobStore blobs, string root)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        _blobs = blobs;
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Root);
    }

    /// <summary>The cache folder; a blob's copy is at <c>{Root}/{container}/{name}</c>.</summary>
    public string Root { get; }

    /// <summary>Blobs downloaded since this cache was created (for tests and logs: a cache hit downloads nothing).</summary>
    public int Downloads { get; private set; }

    /// <summary>The local path of <paramref name="location"/>: a blob's copy, or a folder mirroring every blob under it.</summary>
    /// <exception cref="StageInputException">Neither a blob nor a folder of blobs exists there.</exception>
    public async Task<string> GetAsync(BlobLocation location, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        var address = new BlobAddress(location.Container, location.Name);
        try
        {
            var properties = await _blobs.GetPropertiesAsync(address, cancellationToken).ConfigureAwait(false);
            return await GetBlobAsync(address, properties.ETag, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobStoreException e) when (e.Reason is BlobStoreErrorReason.NotFound or BlobStoreErrorReason.ContainerNotFound)
        {
            return await GetFolderAsync(location, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A folder mirroring every blob under <paramref name="folder"/>; local files no longer in the store are removed.</summary>
    /// <exception cref="StageInputException">No blob exists under the folder.</exception>
    public async Task<string> GetFolderAsync(BlobLocation folder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var items = new List<BlobItem>();
        try
        {
            await foreach (var item in _blobs.ListAsync(folder.Container, folder.Prefix, cancellationToken).ConfigureAwait(false))
            {
                items.Add(item);
            }
        }
        catch (BlobStoreException e) when (e.Reason == BlobStoreErrorReason.ContainerNotFound)
        {
            // Reported below as a missing folder.
        }
        if (items.Count == 0)
        {
            throw new StageInputException($"{folder} does not exist: there is no blob {folder} and no blob under {folder}/");
        }
        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var path = await GetBlobAsync(new BlobAddress(folder.Container, item.Name), item.Properties.ETag, cancellationToken).ConfigureAwait(false);
            keep.Add(path);
        }
        var local = LocalPath(folder.Container, folder.Name);
        foreach (var file in Directory.EnumerateFiles(local, "*", SearchOption.AllDirectories).Where(f => !keep.Contains(f)).ToList())
        {
            File.Delete(file);
            File.Delete(ETagPath(file));
        }
        return local;
    }

    private async Task<string> GetBlobAsync(BlobAddress address, string etag, CancellationToken cancellationToken)
    {
        var local = LocalPath(address.Container, address.Name);
        var etagPath = ETagPath(local);
        if (File.Exists(local) && File.Exists(etagPath) && await File.ReadAllTextAsync(etagPath, cancellationToken).ConfigureAwait(false) == etag)
        {
            return local;
        }
        var tempFolder = Path.Join(Root, TempFolderName);
        Directory.CreateDirectory(tempFolder);
        var temp = Path.Join(tempFolder, Guid.NewGuid().ToString("N"));
        try
        {
            string downloaded;
            var download = await _blobs.GetAsync(address, null, cancellationToken).ConfigureAwait(false);
            await using (download.ConfigureAwait(false))
            {
                var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
                await using (file.ConfigureAwait(false))
                {
                    await download.Content.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
                }
                downloaded = download.Properties.ETag;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(local)!);
            Directory.CreateDirectory(Path.GetDirectoryName(etagPath)!);
            // The old ETag goes first, so a crash in between leaves a copy that is downloaded again, never a stale one trusted.
            File.Delete(etagPath);
            File.Move(temp, local, overwrite: true);
            await File.WriteAllTextAsync(etagPath, downloaded, cancellationToken).ConfigureAwait(false);
            Downloads++;
            return local;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private string LocalPath(string container, string name) => Path.Join([Root, container, .. name.Split('/')]);

    private string ETagPath(string local) => Path.Join(Root, ETagFolderName, Path.GetRelativePath(Root, local));
}
