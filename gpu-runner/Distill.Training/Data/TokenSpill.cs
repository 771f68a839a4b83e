using Microsoft.Win32.SafeHandles;

namespace Distill.Training.Data;

/// <summary>
/// One split's token stream, written to temporary files while documents are tokenized and read back when it is packed
/// into blocks (the packing waits until every document's split is final). Tokens are stored in the dataset's width; the
/// mask file (one byte per token, 1 = counts as a target) is created only when the first masked token arrives.
/// </summary>
internal sealed class TokenSpill : IDisposable
{
    private static readonly byte[] s_ones = CreateOnes(1 << 16);
    private readonly string _tokenPath;
    private readonly string _maskPath;
    private readonly int _width;
    private FileStream? _tokens;
    private FileStream? _mask;
    private SafeFileHandle? _tokenReader;
    private SafeFileHandle? _maskReader;

    public TokenSpill(string folder, string name, int width)
    {
        _tokenPath = Path.Combine(folder, name + ".tokens" + TokenDatasetBuilder.SpillExtension);
        _maskPath = Path.Combine(folder, name + ".mask" + TokenDatasetBuilder.SpillExtension);
        _width = width;
        _tokens = new FileStream(_tokenPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
    }

    /// <summary>Tokens written so far.</summary>
    public long Tokens { get; private set; }

    public long Documents { get; private set; }

    /// <summary>Appends one document's tokens (<paramref name="mask"/> empty when every token counts) and returns its first token's offset.</summary>
    public long Append(ReadOnlySpan<byte> tokens, ReadOnlySpan<byte> mask)
    {
        var writer = _tokens ?? throw new InvalidOperationException("the spill is closed for writing");
        var start = Tokens;
        var count = tokens.Length / _width;
        if (!mask.IsEmpty && _mask is null)
        {
            _mask = new FileStream(_maskPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
            WriteOnes(_mask, Tokens);
        }
        writer.Write(tokens);
        if (_mask is not null)
        {
            if (mask.IsEmpty)
            {
                WriteOnes(_mask, count);
            }
            else
            {
                _mask.Write(mask);
            }
        }
        Tokens += count;
        Documents++;
        return start;
    }

    /// <summary>Ends writing; the stream can then be read with <see cref="Read"/>.</summary>
    public void CompleteWriting()
    {
        _tokens?.Dispose();
        _tokens = null;
        _mask?.Dispose();
        _tokenReader = File.OpenHandle(_tokenPath, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (_mask is not null)
        {
            _mask = null;
            _maskReader = File.OpenHandle(_maskPath, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
    }

    /// <summary>Feeds tokens [start, start + count) to <paramref name="packer"/> in chunks.</summary>
    public void Read(long start, long count, ShardPacker packer, byte[] tokenBuffer, byte[] maskBuffer)
    {
        var tokenReader = _tokenReader ?? throw new InvalidOperationException("the spill is still being written");
        var chunkTokens = Math.Min(tokenBuffer.Length / _width, maskBuffer.Length);
        while (count > 0)
        {
            var n = (int)Math.Min(count, chunkTokens);
            var tokens = tokenBuffer.AsSpan(0, n * _width);
            ReadExactly(tokenReader, tokens, start * _width, _tokenPath);
            var mask = Span<byte>.Empty;
            if (_maskReader is not null)
            {
                mask = maskBuffer.AsSpan(0, n);
                ReadExactly(_maskReader, mask, start, _maskPath);
            }
            packer.Append(tokens, mask);
            start += n;
            count -= n;
        }
    }

    public void Dispose()
    {
        _tokens?.Dispose();
        _mask?.Dispose();
        _tokenReader?.Dispose();
        _maskReader?.Dispose();
        File.Delete(_tokenPath);
        File.Delete(_maskPath);
    }

    private static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset, string path)
    {
        while (!buffer.IsEmpty)
        {
            var read = RandomAccess.Read(handle, buffer, offset);
            if (read == 0)
            {
                throw new IOException($"{path}: the temporary token stream ended early (was it changed while the dataset was built?)");
            }
            buffer = buffer[read..];
            offset += read;
        }
    }

    private static void WriteOnes(FileStream stream, long count)
    {
        while (count > 0)
        {
            var n = (int)Math.Min(count, s_ones.Length);
            stream.Write(s_ones, 0, n);
            count -= n;
        }
    }

    internal static byte[] CreateOnes(int length)
    {
        var ones = new byte[length];
        ones.AsSpan().Fill(1);
        return ones;
    }
}
