namespace Distill.Pipeline.Azure.Blobs;

/// <summary>Reads <paramref name="prefix"/> (bytes already taken from <paramref name="rest"/>), then the rest of <paramref name="rest"/>; forward only.</summary>
internal sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream rest) : Stream
{
    private ReadOnlyMemory<byte> _prefix = prefix;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException("the upload source is read forward only");

    public override long Position
    {
        get => throw new NotSupportedException("the upload source is read forward only");
        set => throw new NotSupportedException("the upload source is read forward only");
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_prefix.IsEmpty)
        {
            return rest.Read(buffer);
        }
        return TakePrefix(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_prefix.IsEmpty)
        {
            return rest.ReadAsync(buffer, cancellationToken);
        }
        return ValueTask.FromResult(TakePrefix(buffer.Span));
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("the upload source is read forward only");

    public override void SetLength(long value) => throw new NotSupportedException("the upload source is read-only");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("the upload source is read-only");

    private int TakePrefix(Span<byte> buffer)
    {
        var count = Math.Min(buffer.Length, _prefix.Length);
        _prefix.Span[..count].CopyTo(buffer);
        // Drop the buffer once read: it may be megabytes, and the upload goes on for long.
        _prefix = count == _prefix.Length ? ReadOnlyMemory<byte>.Empty : _prefix[count..];
        return count;
    }
}
