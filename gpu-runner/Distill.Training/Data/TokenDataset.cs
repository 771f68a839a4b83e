using System.Buffers;
using System.Text.Json;
using Distill.Torch;

namespace Distill.Training.Data;

/// <summary>
/// A tokenized dataset folder (built by <see cref="TokenDatasetBuilder"/>) opened for reading. Opening checks
/// index.json (format, version, layout) and every shard's size against it, then maps the shards into memory. Reading
/// is safe from several threads.
/// </summary>
public sealed class TokenDataset : IDisposable
{
    public const string IndexFileName = "index.json";

    private readonly MappedShard[][] _shards;
    private readonly long[][] _firstBlocks;
    private readonly int _width;

    private TokenDataset(string folder, TokenDatasetIndex index)
    {
        Folder = folder;
        Index = index;
        _width = TokenWidth(index.TokenType);
        _shards = new MappedShard[2][];
        _firstBlocks = new long[2][];
        try
        {
            foreach (var split in (ReadOnlySpan<DataSplit>)[DataSplit.Train, DataSplit.Validation])
            {
                var shards = index.Split(split).Shards;
                var mapped = new MappedShard[shards.Count];
                var firsts = new long[shards.Count];
                _shards[(int)split] = mapped;
                _firstBlocks[(int)split] = firsts;
                long first = 0;
                for (var i = 0; i < shards.Count; i++)
                {
                    var path = Path.Combine(folder, shards[i].File);
                    mapped[i] = new MappedShard(path, shards[i].HasMask ? MaskPath(path) : null, first, shards[i].Blocks, index.StoredBlockTokens, _width);
                    firsts[i] = first;
                    first += shards[i].Blocks;
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Folder { get; }

    public TokenDatasetIndex Index { get; }

    /// <summary>Input positions per block; each block stores one token more (see <see cref="TokenDatasetIndex"/>).</summary>
    public int BlockSize => Index.BlockSize;

    public int VocabSize => Index.VocabSize;

    /// <summary>
    /// Opens the dataset in <paramref name="folder"/>. Throws <see cref="DataFormatException"/> when index.json is
    /// missing (the folder is incomplete) or malformed, or when a shard is missing or not the size the index says.
    /// </summary>
    public static TokenDataset Open(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        folder = Path.GetFullPath(folder);
        return new TokenDataset(folder, LoadIndex(folder));
    }

    public long BlockCount(DataSplit split) => Index.Split(split).Blocks;

    /// <summary>
    /// Reads block <paramref name="block"/> of <paramref name="split"/>: its BlockSize + 1 token ids, and for each
    /// whether it counts when predicted (entry 0 is never a target). Both spans need BlockSize + 1 entries.
    /// </summary>
    public void ReadBlock(DataSplit split, long block, Span<int> tokens, Span<bool> countsAsTarget)
    {
        var stored = Index.StoredBlockTokens;
        ArgumentOutOfRangeException.ThrowIfLessThan(tokens.Length, stored, nameof(tokens));
        ArgumentOutOfRangeException.ThrowIfLessThan(countsAsTarget.Length, stored, nameof(countsAsTarget));
        var (shard, local) = Locate(split, block);
        if (_width == 2)
        {
            var raw = ArrayPool<ushort>.Shared.Rent(stored);
            shard.Read(local, raw);
            for (var j = 0; j < stored; j++)
            {
                tokens[j] = raw[j];
            }
            ArrayPool<ushort>.Shared.Return(raw);
        }
        else
        {
            var raw = ArrayPool<uint>.Shared.Rent(stored);
            shard.Read(local, raw);
            for (var j = 0; j < stored; j++)
            {
                tokens[j] = (int)raw[j];
            }
            ArrayPool<uint>.Shared.Return(raw);
        }
        if (shard.HasMask)
        {
            var mask = ArrayPool<byte>.Shared.Rent(stored);
            shard.ReadMask(local, mask);
            for (var j = 0; j < stored; j++)
            {
                countsAsTarget[j] = j > 0 && mask[j] != 0;
            }
            ArrayPool<byte>.Shared.Return(mask);
        }
        else
        {
            countsAsTarget[..stored].Fill(true);
            countsAsTarget[0] = false;
        }
    }

    /// <summary>Block <paramref name="block"/> of <paramref name="split"/> as arrays (see the span overload).</summary>
    public TokenBlock ReadBlock(DataSplit split, long block)
    {
        var tokens = new int[Index.StoredBlockTokens];
        var counts = new bool[Index.StoredBlockTokens];
        ReadBlock(split, block, tokens, counts);
        return new TokenBlock(tokens, counts);
    }

    /// <summary>
    /// The blocks of <paramref name="split"/> (validation by default) in stored order, the first
    /// <paramref name="maxBlocks"/> or all, as batches of up to <paramref name="batchSize"/> rows (the last may be
    /// smaller). Each batch's tensors belong to the tensor scope current when it is produced; dispose each batch.
    /// </summary>
    public IEnumerable<TokenBatch> EvaluationBatches(int batchSize, long? maxBlocks = null, Device? device = null, DataSplit split = DataSplit.Validation)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (maxBlocks is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxBlocks), maxBlocks, "must not be negative");
        }
        var count = Math.Min(BlockCount(split), maxBlocks ?? long.MaxValue);
        return Enumerate(batchSize, count, device ?? Device.Cpu, split);
    }

    private IEnumerable<TokenBatch> Enumerate(int batchSize, long count, Device device, DataSplit split)
    {
        var assembler = new BatchAssembler(this, split, (int)Math.Min(batchSize, Math.Max(count, 1)), device);
        for (long start = 0; start < count; start += batchSize)
        {
            var rows = (int)Math.Min(batchSize, count - start);
            var blocks = new long[rows];
            for (var r = 0; r < rows; r++)
            {
                blocks[r] = start + r;
            }
            yield return assembler.Assemble(blocks, cursorAfter: null);
        }
    }

    /// <summary>
    /// Writes block <paramref name="block"/>'s inputs and targets (<see cref="TokenBatch.IgnoreIndex"/> where the
    /// target does not count) and returns how many targets count.
    /// </summary>
    internal int FillRow(DataSplit split, long block, Span<long> inputs, Span<long> targets, BlockScratch scratch)
    {
        var (shard, local) = Locate(split, block);
        var length = BlockSize;
        if (_width == 2)
        {
            var raw = scratch.U16;
            shard.Read(local, raw);
            for (var j = 0; j < length; j++)
            {
                inputs[j] = raw[j];
                targets[j] = raw[j + 1];
            }
        }
        else
        {
            var raw = scratch.U32;
            shard.Read(local, raw);
            for (var j = 0; j < length; j++)
            {
                inputs[j] = raw[j];
                targets[j] = raw[j + 1];
            }
        }
        var counted = length;
        if (shard.HasMask)
        {
            var mask = scratch.Mask;
            shard.ReadMask(local, mask);
            for (var j = 0; j < length; j++)
            {
                if (mask[j + 1] == 0)
                {
                    targets[j] = TokenBatch.IgnoreIndex;
                    counted--;
                }
            }
        }
        return counted;
    }

    public void Dispose()
    {
        foreach (var shards in _shards)
        {
            foreach (var shard in shards ?? [])
            {
                shard?.Dispose();
            }
        }
    }

    private (MappedShard Shard, long Local) Locate(DataSplit split, long block)
    {
        var count = BlockCount(split);
        if ((ulong)block >= (ulong)count)
        {
            throw new ArgumentOutOfRangeException(nameof(block), block, $"the {SplitName(split)} split has {count} block(s)");
        }
        var firsts = _firstBlocks[(int)split];
        var i = Array.BinarySearch(firsts, block);
        if (i < 0)
        {
            i = ~i - 1;
        }
        var shard = _shards[(int)split][i];
        return (shard, block - shard.FirstBlock);
    }

    internal static string SplitName(DataSplit split) => split == DataSplit.Train ? "train" : "validation";

    private static string MaskPath(string shardPath) => Path.ChangeExtension(shardPath, ".mask");

    private static int TokenWidth(string tokenType) => tokenType == TokenDatasetIndex.U16 ? 2 : 4;

    /// <summary>Reads index.json and checks it and every shard's size; every problem found is listed.</summary>
    internal static TokenDatasetIndex LoadIndex(string folder)
    {
        var path = Path.Combine(folder, IndexFileName);
        if (!File.Exists(path))
        {
            throw new DataFormatException([new DataProblem(path, 0, "no index.json: the dataset folder is incomplete or was never built")]);
        }
        TokenDatasetIndex? index;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            index = JsonSerializer.Deserialize(stream, TrainingJsonContext.Default.TokenDatasetIndex);
        }
        catch (JsonException e)
        {
            throw new DataFormatException([new DataProblem(path, (e.LineNumber ?? -1) + 1, $"not a valid dataset index ({e.Message})")]);
        }
        if (index is null)
        {
            throw new DataFormatException([new DataProblem(path, 0, "the index is null")]);
        }
        var problems = new List<DataProblem>();
        CheckHeader(path, index, problems);
        if (problems.Count == 0)
        {
            CheckSplit(folder, path, index, DataSplit.Train, problems);
            CheckSplit(folder, path, index, DataSplit.Validation, problems);
        }
        if (problems.Count > 0)
        {
            throw new DataFormatException(problems);
        }
        return index;
    }

    private static void CheckHeader(string path, TokenDatasetIndex index, List<DataProblem> problems)
    {
        if (index.Format != TokenDatasetIndex.FormatName)
        {
            problems.Add(new DataProblem(path, 0, $"format is '{index.Format}', expected '{TokenDatasetIndex.FormatName}'"));
            return;
        }
        if (index.Version != TokenDatasetIndex.CurrentVersion)
        {
            problems.Add(new DataProblem(path, 0, $"version {index.Version}; this Distill reads version {TokenDatasetIndex.CurrentVersion}"));
            return;
        }
        if (index.Layout != TokenDatasetIndex.OverlappingLayout)
        {
            problems.Add(new DataProblem(path, 0, $"layout '{index.Layout}' is not '{TokenDatasetIndex.OverlappingLayout}'"));
        }
        if (index.BlockSize < 2 || index.StoredBlockTokens != index.BlockSize + 1)
        {
            problems.Add(new DataProblem(path, 0, $"block_size {index.BlockSize} and stored_block_tokens {index.StoredBlockTokens} do not fit (blocks store block_size + 1 tokens, block_size ≥ 2)"));
        }
        if (index.TokenType is not (TokenDatasetIndex.U16 or TokenDatasetIndex.U32))
        {
            problems.Add(new DataProblem(path, 0, $"token_type '{index.TokenType}' is neither u16 nor u32"));
        }
        if (index.VocabSize < 1 || (index.TokenType == TokenDatasetIndex.U16 && index.VocabSize > 65536))
        {
            problems.Add(new DataProblem(path, 0, $"vocab_size {index.VocabSize} does not fit token_type {index.TokenType}"));
        }
        if (index.Train is null || index.Validation is null || index.Train.Shards is null || index.Validation.Shards is null)
        {
            problems.Add(new DataProblem(path, 0, "train and validation, each with shards, are required"));
        }
    }

    private static void CheckSplit(string folder, string indexPath, TokenDatasetIndex index, DataSplit split, List<DataProblem> problems)
    {
        var name = SplitName(split);
        var info = index.Split(split);
        var width = TokenWidth(index.TokenType);
        long blocks = 0;
        foreach (var shard in info.Shards)
        {
            if (shard is null || string.IsNullOrEmpty(shard.File) || Path.GetFileName(shard.File) != shard.File || shard.Blocks < 1)
            {
                problems.Add(new DataProblem(indexPath, 0, $"{name} has a shard entry that is not a plain file name with at least one block"));
                continue;
            }
            blocks += shard.Blocks;
            var path = Path.Combine(folder, shard.File);
            CheckSize(path, shard.Blocks * index.StoredBlockTokens * width, $"{shard.Blocks} block(s) × {index.StoredBlockTokens} tokens × {width} bytes", problems);
            if (shard.HasMask)
            {
                CheckSize(MaskPath(path), shard.Blocks * index.StoredBlockTokens, $"{shard.Blocks} block(s) × {index.StoredBlockTokens} mask bytes", problems);
            }
        }
        if (blocks != info.Blocks)
        {
            problems.Add(new DataProblem(indexPath, 0, $"{name} lists {info.Blocks} block(s) but its shards hold {blocks}"));
        }
        if (info.HasMask != info.Shards.Any(s => s?.HasMask == true))
        {
            problems.Add(new DataProblem(indexPath, 0, $"{name} has_mask disagrees with its shards"));
        }
    }

    private static void CheckSize(string path, long expected, string why, List<DataProblem> problems)
    {
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            problems.Add(new DataProblem(path, 0, $"the shard is missing (expected {expected} bytes: {why})"));
        }
        else if (file.Length != expected)
        {
            problems.Add(new DataProblem(path, 0, $"the shard is {file.Length} bytes, expected {expected} ({why}); it is truncated or was overwritten"));
        }
    }
}
