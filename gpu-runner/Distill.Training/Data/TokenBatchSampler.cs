using Distill.Torch;

namespace Distill.Training.Data;

/// <summary>
/// Training batches from one split. Each epoch visits every block once, in a permutation drawn by a
/// <see cref="DeterministicRandom"/> seeded from the seed and the epoch number; batches are taken from the epochs'
/// orders one after another, so every batch has <c>batchSize</c> rows and a batch may span the end of an epoch.
/// <see cref="Cursor"/> (epoch, position in that epoch's order) can be read after any batch; a new sampler with the
/// same dataset, split, batch size and seed, started from it, yields exactly the batches that would have followed.
/// </summary>
public sealed class TokenBatchSampler
{
    private readonly ulong _seed;
    private readonly int _blocks;
    private readonly BatchAssembler _assembler;
    private long _epoch;
    private long _position;
    private int[]? _order;
    private long _orderEpoch = -1;

    /// <param name="dataset">The dataset to read.</param>
    /// <param name="split">Usually <see cref="DataSplit.Train"/>.</param>
    /// <param name="batchSize">Rows per batch.</param>
    /// <param name="seed">Fixes every epoch's order.</param>
    /// <param name="cursor">Where to start (a cursor saved from a sampler with the same settings); the start of epoch 0 by default.</param>
    /// <param name="device">Where the batch tensors go; the CPU by default.</param>
    public TokenBatchSampler(TokenDataset dataset, DataSplit split, int batchSize, ulong seed, DataCursor? cursor = null, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var blocks = dataset.BlockCount(split);
        if (blocks == 0)
        {
            throw new ArgumentException($"the {TokenDataset.SplitName(split)} split of {dataset.Folder} has no blocks", nameof(split));
        }
        if (blocks > Array.MaxLength)
        {
            throw new NotSupportedException($"the {TokenDataset.SplitName(split)} split has {blocks} blocks; at most {Array.MaxLength} can be shuffled");
        }
        var start = cursor ?? DataCursor.Start;
        if (start.Epoch < 0 || start.Position < 0 || start.Position > blocks)
        {
            throw new ArgumentOutOfRangeException(nameof(cursor), start, $"the position must be in [0, {blocks}] and the epoch not negative");
        }
        _seed = seed;
        _blocks = (int)blocks;
        _epoch = start.Epoch;
        _position = start.Position;
        Normalize();
        BatchSize = batchSize;
        Split = split;
        _assembler = new BatchAssembler(dataset, split, batchSize, device ?? Device.Cpu);
    }

    public int BatchSize { get; }

    public DataSplit Split { get; }

    /// <summary>Blocks per epoch.</summary>
    public long BlocksPerEpoch => _blocks;

    /// <summary>Where the next batch starts (after the last one returned).</summary>
    public DataCursor Cursor => new(_epoch, _position);

    /// <summary>The next batch; its tensors belong to the current tensor scope.</summary>
    public TokenBatch Next()
    {
        var blocks = new long[BatchSize];
        for (var r = 0; r < blocks.Length; r++)
        {
            blocks[r] = Order(_epoch)[_position];
            _position++;
            Normalize();
        }
        return _assembler.Assemble(blocks, Cursor);
    }

    /// <summary>The block order of <paramref name="epoch"/>: a permutation of the split's blocks.</summary>
    public IReadOnlyList<int> EpochOrder(long epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        return Permutation(epoch);
    }

    private int[] Order(long epoch)
    {
        if (_orderEpoch != epoch || _order is null)
        {
            _order = Permutation(epoch);
            _orderEpoch = epoch;
        }
        return _order;
    }

    private int[] Permutation(long epoch)
    {
        // Two SplitMix64 steps mix the seed and the epoch, so neighbouring seeds or epochs give unrelated orders.
        var epochHash = new DeterministicRandom((ulong)epoch).NextUInt64();
        var epochSeed = new DeterministicRandom(_seed ^ epochHash).NextUInt64();
        return new DeterministicRandom(epochSeed).Permutation(_blocks);
    }

    private void Normalize()
    {
        if (_position == _blocks)
        {
            _epoch++;
            _position = 0;
        }
    }
}
