using Distill.Torch;
using Distill.Training.Data;

namespace Distill.Training.Tests.Data;

public sealed class TokenBatchSamplerTests : DatasetTestFolder
{
    /// <summary>One 41-character document + end-of-text: 42 tokens, 10 blocks of 4 + 1.</summary>
    private TokenDataset OpenTenBlocks()
    {
        var input = Write("text.txt", "the quick brown fox jumps over a lazy dog");
        var result = Build([input], Output(), new DataOptions { BlockSize = 4, ValidationFraction = 0, BlocksPerShard = 3 });
        Assert.Equal(10, result.Index.Train.Blocks);
        return TokenDataset.Open(result.Folder);
    }

    private static List<(long[] Blocks, long[] Inputs, long[] Targets, DataCursor Cursor)> Take(TokenBatchSampler sampler, int batches)
    {
        var taken = new List<(long[], long[], long[], DataCursor)>();
        for (var i = 0; i < batches; i++)
        {
            using var batch = sampler.Next();
            taken.Add((batch.Blocks.ToArray(), batch.InputIds.ToArray<long>(), batch.Targets.ToArray<long>(), batch.CursorAfter!));
            Assert.Equal(sampler.Cursor, batch.CursorAfter);
        }
        return taken;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(7)]
    public void Next_ResumedFromSavedCursor_ContinuesWithTheSameBatches(int stopAfter)
    {
        using var dataset = OpenTenBlocks();
        var straight = Take(new TokenBatchSampler(dataset, DataSplit.Train, batchSize: 3, seed: 11), 8);

        var first = new TokenBatchSampler(dataset, DataSplit.Train, batchSize: 3, seed: 11);
        var before = Take(first, stopAfter);
        var saved = first.Cursor;
        var after = Take(new TokenBatchSampler(dataset, DataSplit.Train, batchSize: 3, seed: 11, cursor: saved), 8 - stopAfter);

        var resumed = before.Concat(after).ToList();
        Assert.Equal(straight.Select(b => b.Blocks), resumed.Select(b => b.Blocks));
        Assert.Equal(straight.Select(b => b.Inputs), resumed.Select(b => b.Inputs));
        Assert.Equal(straight.Select(b => b.Targets), resumed.Select(b => b.Targets));
        Assert.Equal(straight.Select(b => b.Cursor), resumed.Select(b => b.Cursor));
    }

    [Fact]
    public void Cursor_AfterBatchesSpanningAnEpochEnd_CountsIntoTheNextEpoch()
    {
        using var dataset = OpenTenBlocks();
        var sampler = new TokenBatchSampler(dataset, DataSplit.Train, batchSize: 3, seed: 5);

        var cursors = Take(sampler, 4).Select(b => b.Cursor);

        Assert.Equal([new DataCursor(0, 3), new DataCursor(0, 6), new DataCursor(0, 9), new DataCursor(1, 2)], cursors);
    }

    [Fact]
    public void Cursor_AfterTheLastBlockOfAnEpoch_IsTheStartOfTheNext()
    {
        using var dataset = OpenTenBlocks();
        var sampler = new TokenBatchSampler(dataset, DataSplit.Train, batchSize: 5, seed: 5);

        Take(sampler, 2);

        Assert.Equal(new DataCursor(1, 0), sampler.Cursor);
    }

    [Fact]
    public void Next_EveryEpoch_VisitsEveryBlockOnceInANewOrder()
    {
        using var dataset = OpenTenBlocks();
        var sampler = new TokenBatchSampler(dataset, DataSplit.Train, batchSize: 3, seed: 1);

        var blocks = Take(sampler, 10).SelectMany(b => b.Blocks).ToList();

        var epochs = blocks.Chunk(10).ToList();
        Assert.Equal(3, epochs.Count);
        Assert.All(epochs, epoch => Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), epoch.Order()));
        Assert.NotEqual(epochs[0], epochs[1]);
        Assert.Equal(sampler.EpochOrder(1).Select(i => (long)i), epochs[1]);
    }

    [Fact]
    public void EpochOrder_DifferentSeeds_DifferentOrders()
    {
        using var dataset = OpenTenBlocks();

        var a = new TokenBatchSampler(dataset, DataSplit.Train, batchSize: 2, seed: 1).EpochOrder(0);
        var b = new TokenBatchSampler(dataset, DataSplit.Train, batchSize: 2, seed: 2).EpochOrder(0);
        var again = new TokenBatchSampler(dataset, DataSplit.Train, batchSize: 7, seed: 1).EpochOrder(0);

        Assert.NotEqual(a, b);
        Assert.Equal(a, again);
    }

    [Fact]
    public void Next_Rows_AreTheBlocksInputsAndShiftedTargets()
    {
        using var dataset = OpenTenBlocks();
        var sampler = new TokenBatchSampler(dataset, DataSplit.Train, batchSize: 4, seed: 3);

        using var scope = TensorScope.Begin();
        var batch = sampler.Next();

        Assert.Equal([4L, 4L], batch.InputIds.Shape);
        var inputs = batch.InputIds.ToArray<long>();
        var targets = batch.Targets.ToArray<long>();
        for (var r = 0; r < 4; r++)
        {
            var tokens = dataset.ReadBlock(DataSplit.Train, batch.Blocks[r]).Tokens;
            Assert.Equal(tokens.Take(4).Select(t => (long)t), inputs.Skip(r * 4).Take(4));
            Assert.Equal(tokens.Skip(1).Select(t => (long)t), targets.Skip(r * 4).Take(4));
        }
        Assert.Equal(16, batch.TargetCount);
        Assert.Equal(2, scope.Count);
    }

    [Fact]
    public void Constructor_CursorBeyondTheEpoch_Throws()
    {
        using var dataset = OpenTenBlocks();

        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenBatchSampler(dataset, DataSplit.Train, 2, 1, new DataCursor(0, 11)));
        Assert.Throws<ArgumentException>(() => new TokenBatchSampler(dataset, DataSplit.Validation, 2, 1));
    }
}
