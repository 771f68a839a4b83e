using System.Runtime.CompilerServices;
using Distill.Contracts.Storage;

namespace Distill.Pipeline.Storage;

/// <summary>Reads and copies the handlers share, on any <see cref="IBlobStore"/>.</summary>
public static class BlobStoreExtensions
{
    /// <summary>The blob at <paramref name="location"/> as an address the store takes.</summary>
    public static BlobAddress ToAddress(this BlobLocation location)
    {
        ArgumentNullException.ThrowIfNull(location);
        return new BlobAddress(location.Container, location.Name);
    }

    /// <summary>The whole blob and the properties of the version read; null when it does not exist.</summary>
    public static async Task<(byte[] Content, BlobProperties Properties)?> TryReadAllBytesAsync(this IBlobStore blobs, BlobAddress blob, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        try
        {
            await using var download = await blobs.GetAsync(blob, null, cancellationToken).ConfigureAwait(false);
            var content = new byte[download.ContentLength];
            await download.Content.ReadExactlyAsync(content, cancellationToken).ConfigureAwait(false);
            return (content, download.Properties);
        }
        catch (BlobStoreException e) when (e.Reason == BlobStoreErrorReason.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// Up to <paramref name="count"/> bytes from <paramref name="offset"/> (fewer at the end of the blob, none when the
    /// offset is at or past it).
    /// </summary>
    public static async Task<byte[]> ReadRangeAsync(this IBlobStore blobs, BlobAddress blob, long offset, long count, long blobLength, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        var available = Math.Min(count, blobLength - offset);
        if (available <= 0)
        {
            return [];
        }
        await using var download = await blobs.GetAsync(blob, new BlobRange(offset, available), cancellationToken).ConfigureAwait(false);
        var content = new byte[download.ContentLength];
        await download.Content.ReadExactlyAsync(content, cancellationToken).ConfigureAwait(false);
        return content;
    }

    /// <summary>The blob's properties; null when it does not exist.</summary>
    public static async Task<BlobProperties?> TryGetPropertiesAsync(this IBlobStore blobs, BlobAddress blob, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        try
        {
            return await blobs.GetPropertiesAsync(blob, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobStoreException e) when (e.Reason == BlobStoreErrorReason.NotFound)
        {
            return null;
        }
    }

    /// <summary>The blobs of a folder (<c>{folder}/…</c>), nested ones included, in ordinal order.</summary>
    public static async IAsyncEnumerable<BlobItem> ListFolderAsync(this IBlobStore blobs, BlobLocation folder, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(folder);
        await foreach (var item in blobs.ListAsync(folder.Container, folder.Prefix, cancellationToken).ConfigureAwait(false))
        {
            yield return item;
        }
    }

    /// <summary>Streams <paramref name="source"/> into <paramref name="target"/> (replacing it), keeping the content type.</summary>
    public static async Task<BlobWriteResult> CopyAsync(this IBlobStore blobs, BlobAddress source, BlobAddress target, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        await using var download = await blobs.GetAsync(source, null, cancellationToken).ConfigureAwait(false);
        return await blobs.PutAsync(target, download.Content,
            new BlobPutOptions { ContentType = download.Properties.ContentType, Metadata = metadata }, cancellationToken).ConfigureAwait(false);
    }
}
