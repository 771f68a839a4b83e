namespace Distill.Pipeline.Storage;

/// <summary>
/// A blob being read: <see cref="Content"/> streams the requested bytes of exactly the version described by
/// <see cref="Properties"/>, even when the blob is replaced meanwhile. Dispose it to close the stream.
/// </summary>
public sealed class BlobDownload(Stream content, BlobProperties properties, long contentLength) : IDisposable, IAsyncDisposable
{
    /// <summary>The bytes read, forward only (not seekable on every store).</summary>
    public Stream Content { get; } = content;

    /// <summary>The properties of the blob read (its full length, not the range's).</summary>
    public BlobProperties Properties { get; } = properties;

    /// <summary>The number of bytes <see cref="Content"/> yields.</summary>
    public long ContentLength { get; } = contentLength;

    public void Dispose() => Content.Dispose();

    public ValueTask DisposeAsync() => Content.DisposeAsync();
}
