using System.Security.Cryptography;

namespace Distill.Pipeline.Tests.Storage;

/// <summary>
/// A forward-only stream of <c>length</c> deterministic pseudo-random bytes, produced as read, so that large blobs go
/// through a store without a buffer of their size on either side.
/// </summary>
internal sealed class PatternStream(long length, uint seed) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <summary>The byte at <paramref name="position"/> of the pattern.</summary>
    public static byte ByteAt(long position, uint seed)
    {
        var x = (ulong)position * 0x9E3779B97F4A7C15UL + seed;
        x ^= x >> 29;
        x *= 0xBF58476D1CE4E5B9UL;
        return (byte)(x >> 56);
    }

    /// <summary>The pattern's bytes from <paramref name="offset"/>, for comparing ranges.</summary>
    public static byte[] Slice(long offset, int count, uint seed)
    {
        var bytes = new byte[count];
        for (var i = 0; i < count; i++)
        {
            bytes[i] = ByteAt(offset + i, seed);
        }
        return bytes;
    }

    /// <summary>SHA-256 of the whole pattern, computed in chunks.</summary>
    public static byte[] Hash(long length, uint seed)
    {
        using var stream = new PatternStream(length, seed);
        return SHA256.HashData(stream);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var count = (int)Math.Min(buffer.Length, length - _position);
        for (var i = 0; i < count; i++)
        {
            buffer[i] = ByteAt(_position + i, seed);
        }
        _position += count;
        return count;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
