namespace Distill.Training.Data;

/// <summary>
/// Packs one split's token stream into blocks of BlockSize + 1 tokens, consecutive blocks overlapping by one token
/// (see <see cref="TokenDatasetIndex"/>), and writes them to shard files of at most BlocksPerShard blocks. A shard
/// gets a .mask file only when one of its targets (a token at position ≥ 1 of a block) does not count.
/// </summary>
internal sealed class ShardPacker : IDisposable
{
    private readonly string _folder;
    private readonly string _name;
    private readonly int _width;
    private readonly int _stored;
    private readonly int _blocksPerShard;
    private readonly byte[] _block;
    private readonly byte[] _blockMask;
    private readonly List<TokenShardInfo> _shards = [];
    private int _filled;
    private bool _maskSeen;
    private long _tokens;
    private long _blocks;
    private FileStream? _shard;
    private FileStream? _shardMask;
    private int _shardBlocks;

    public ShardPacker(string folder, string name, int blockSize, int width, int blocksPerShard)
    {
        _folder = folder;
        _name = name;
        _width = width;
        _stored = blockSize + 1;
        _blocksPerShard = blocksPerShard;
        _block = new byte[_stored * width];
        _blockMask = new byte[_stored];
    }

    /// <summary>The shard file name of a split and shard number.</summary>
    public static string ShardFileName(string split, int shard) => $"{split}-{shard:D5}.bin";

    /// <summary>Appends tokens (little-endian, the dataset's width) and their mask (empty: every token counts).</summary>
    public void Append(ReadOnlySpan<byte> tokens, ReadOnlySpan<byte> mask)
    {
        var count = tokens.Length / _width;
        var i = 0;
        while (i < count)
        {
            var take = Math.Min(_stored - _filled, count - i);
            tokens.Slice(i * _width, take * _width).CopyTo(_block.AsSpan(_filled * _width));
            if (mask.IsEmpty)
            {
                _blockMask.AsSpan(_filled, take).Fill(1);
            }
            else
            {
                mask.Slice(i, take).CopyTo(_blockMask.AsSpan(_filled));
                _maskSeen = true;
            }
            _filled += take;
            i += take;
            if (_filled == _stored)
            {
                Emit();
                // The next block starts with this block's last token.
                _block.AsSpan((_stored - 1) * _width, _width).CopyTo(_block);
                _blockMask[0] = _blockMask[_stored - 1];
                _filled = 1;
            }
        }
        _tokens += count;
    }

    /// <summary>Closes the last shard and describes the split.</summary>
    public TokenSplitIndex Complete(long documents)
    {
        CloseShard();
        return new TokenSplitIndex
        {
            Documents = documents,
            Tokens = _tokens,
            Blocks = _blocks,
            DroppedTokens = _blocks > 0 ? _filled - 1 : _filled,
            HasMask = _shards.Any(s => s.HasMask),
            Shards = _shards.ToList(),
        };
    }

    public void Dispose()
    {
        _shard?.Dispose();
        _shardMask?.Dispose();
    }

    private void Emit()
    {
        if (_shard is null)
        {
            var name = ShardFileName(_name, _shards.Count);
            _shard = new FileStream(Path.Combine(_folder, name), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        }
        _shard.Write(_block);
        var masked = _maskSeen && _blockMask.AsSpan(1).IndexOfAnyExcept((byte)1) >= 0;
        if (masked && _shardMask is null)
        {
            _shardMask = new FileStream(MaskPath(_shards.Count), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
            var ones = TokenSpill.CreateOnes(_stored);
            for (var b = 0; b < _shardBlocks; b++)
            {
                _shardMask.Write(ones);
            }
        }
        _shardMask?.Write(_blockMask);
        _shardBlocks++;
        _blocks++;
        if (_shardBlocks == _blocksPerShard)
        {
            CloseShard();
        }
    }

    private string MaskPath(int shard) => Path.Combine(_folder, Path.ChangeExtension(ShardFileName(_name, shard), ".mask"));

    private void CloseShard()
    {
        if (_shard is null)
        {
            return;
        }
        var name = ShardFileName(_name, _shards.Count);
        _shard.Flush(flushToDisk: true);
        _shard.Dispose();
        _shard = null;
        var hasMask = _shardMask is not null;
        if (_shardMask is not null)
        {
            _shardMask.Flush(flushToDisk: true);
            _shardMask.Dispose();
            _shardMask = null;
        }
        _shards.Add(new TokenShardInfo(name, _shardBlocks, hasMask));
        _shardBlocks = 0;
    }
}
