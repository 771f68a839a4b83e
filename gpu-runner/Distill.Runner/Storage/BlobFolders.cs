using Distill.Contracts.Storage;
using Distill.Pipeline.Storage;

namespace Distill.Runner.Storage;

/// <summary>Uploads a local folder as the blobs under a folder location, checking the stage's fence before each write.</summary>
public static class BlobFolders
{
    /// <summary>
    /// Uploads every file under <paramref name="localFolder"/> to <c>{target}/{relative path}</c>, then deletes the blobs
    /// under <paramref name="target"/> that the folder does not have (left by an earlier attempt). Returns the blob names written.
    /// </summary>
    /// <exception cref="StageFencedException">The fence tripped before or during the upload.</exception>
    public static async Task<IReadOnlyList<string>> UploadAsync(
        IBlobStore blobs, string localFolder, BlobLocation target, StageFence fence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentException.ThrowIfNullOrWhiteSpace(localFolder);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(fence);
        var root = Path.GetFullPath(localFolder);
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => (Path: f, Relative: Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/')))
            .OrderBy(f => f.Relative, StringComparer.Ordinal)
            .ToList();
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (path, relative) in files)
        {
            var blob = target.Child(relative);
            fence.ThrowIfTripped($"writing {blob}");
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                await blobs.PutAsync(new BlobAddress(blob.Container, blob.Name), stream,
                    new BlobPutOptions { ContentType = ContentType(relative) }, cancellationToken).ConfigureAwait(false);
            }
            written.Add(blob.Name);
        }
        var stale = new List<string>();
        await foreach (var item in blobs.ListAsync(target.Container, target.Prefix, cancellationToken).ConfigureAwait(false))
        {
            if (!written.Contains(item.Name))
            {
                stale.Add(item.Name);
            }
        }
        foreach (var name in stale)
        {
            fence.ThrowIfTripped($"deleting {target.Container}/{name}");
            try
            {
                await blobs.DeleteAsync(new BlobAddress(target.Container, name), null, cancellationToken).ConfigureAwait(false);
            }
            catch (BlobStoreException e) when (e.Reason == BlobStoreErrorReason.NotFound)
            {
                // Deleted meanwhile.
            }
        }
        return [.. written.Order(StringComparer.Ordinal)];
    }

    /// <summary>The content type stored with a file, by its extension.</summary>
    public static string ContentType(string fileName) => Path.GetExtension(fileName).ToLowerInvariant() switch
    {
        ".json" => "application/json",
        ".md" => "text/markdown; charset=utf-8",
        ".png" => "image/png",
        ".txt" => "text/plain; charset=utf-8",
        ".jsonl" => "application/jsonl",
        _ => BlobPutOptions.DefaultContentType,
    };
}
