namespace Distill.Pipeline.Storage;

/// <summary>A forward-only read of a number of bytes of a file from its current position; owns the file.</summary>
internal sealed class BlobReadStream : Stream
{
    private readonly FileStream _file;
    private readonly long _length;
    private long _remaining;

    public BlobReadStream(FileStream file, long length)
    {
        _file = file;
        _length = length;
        _remaining = length;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException("a blob stream is forward-only; BlobDownload.ContentLength has its length");

    public override long Position
    {
        get => _length - _remaining;
        set => throw new NotSupportedException("a blob stream is forward-only");
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty || _remaining == 0)
        {
            return 0;
        }
        var read = _file.Read(buffer[..Limit(buffer.Length)]);
        return Advance(read);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty || _remaining == 0)
        {
            return 0;
        }
        var read = await _file.ReadAsync(buffer[..Limit(buffer.Length)], cancellationToken).ConfigureAwait(false);
        return Advance(read);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("a blob stream is forward-only");

    public override void SetLength(long value) => throw new NotSupportedException("a blob stream is read-only");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("a blob stream is read-only");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _file.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _file.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private int Limit(int requested) => (int)Math.Min(requested, _remaining);

    private int Advance(int read)
    {
        if (read == 0 && _remaining > 0)
        {
            throw new EndOfStreamException($"{_file.Name} ended {_remaining} bytes before the end of the blob");
        }
        _remaining -= read;
        return read;
    }
}
