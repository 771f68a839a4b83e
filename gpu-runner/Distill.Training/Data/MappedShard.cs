using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;

namespace Distill.Training.Data;

/// <summary>One shard file (and its mask file, if any) mapped read-only into memory.</summary>
internal sealed class MappedShard : IDisposable
{
    private readonly MemoryMappedFile _tokenFile;
    private readonly MemoryMappedViewAccessor _tokens;
    private readonly MemoryMappedFile? _maskFile;
    private readonly MemoryMappedViewAccessor? _mask;
    private readonly int _stored;
    private readonly int _width;

    public MappedShard(string tokenPath, string? maskPath, long firstBlock, long blocks, int stored, int width)
    {
        FirstBlock = firstBlock;
        Blocks = blocks;
        _stored = stored;
        _width = width;
        try
        {
            (_tokenFile, _tokens) = Map(tokenPath);
            if (maskPath is not null)
            {
                (_maskFile, _mask) = Map(maskPath);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public long FirstBlock { get; }

    public long Blocks { get; }

    public bool HasMask => _mask is not null;

    /// <summary>The stored tokens of block <paramref name="local"/> of this shard (u16 shards).</summary>
    public void Read(long local, Span<ushort> tokens)
    {
        _tokens.SafeMemoryMappedViewHandle.ReadSpan((ulong)(local * _stored * _width), tokens[.._stored]);
        if (!BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(tokens, tokens);
        }
    }

    /// <summary>The stored tokens of block <paramref name="local"/> of this shard (u32 shards).</summary>
    public void Read(long local, Span<uint> tokens)
    {
        _tokens.SafeMemoryMappedViewHandle.ReadSpan((ulong)(local * _stored * _width), tokens[.._stored]);
        if (!BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(tokens, tokens);
        }
    }

    /// <summary>The mask bytes of block <paramref name="local"/> (1 = counts as a target); only when <see cref="HasMask"/>.</summary>
    public void ReadMask(long local, Span<byte> mask)
    {
        var view = _mask ?? throw new InvalidOperationException("the shard has no mask");
        view.SafeMemoryMappedViewHandle.ReadSpan((ulong)(local * _stored), mask[.._stored]);
    }

    public void Dispose()
    {
        _tokens?.Dispose();
        _tokenFile?.Dispose();
        _mask?.Dispose();
        _maskFile?.Dispose();
    }

    private static (MemoryMappedFile File, MemoryMappedViewAccessor View) Map(string path)
    {
        var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, mapName: null, capacity: 0, MemoryMappedFileAccess.Read);
        try
        {
            return (file, file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read));
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }
}
