using Distill.Torch;
using Distill.Training.Data;

namespace Distill.Training.Tests.Data;

public sealed class TokenDatasetBuilderTests : DatasetTestFolder
{
    private static readonly DataOptions s_noValidation = new() { BlockSize = 3, ValidationFraction = 0 };

    [Fact]
    public void Build_ShortDocuments_PacksOverlappingBlocksWithEosBetweenDocuments()
    {
        var input = WriteJsonLines("docs.jsonl", ["ab", "cde", "f"]);

        var result = Build([input], Output(), s_noValidation);

        // Stream: a b <eos> c d e <eos> f <eos> (9 tokens); blocks of 3 + 1 tokens, each starting with the last one's end.
        var train = result.Index.Train;
        Assert.Equal((3L, 9L, 2L, 2L), (train.Documents, train.Tokens, train.Blocks, train.DroppedTokens));
        Assert.False(result.Reused);
        using var dataset = TokenDataset.Open(result.Folder);
        Assert.Equal([97, 98, 256, 99], dataset.ReadBlock(DataSplit.Train, 0).Tokens);
        Assert.Equal([99, 100, 101, 256], dataset.ReadBlock(DataSplit.Train, 1).Tokens);
        using var batch = Assert.Single(dataset.EvaluationBatches(batchSize: 4, split: DataSplit.Train));
        Assert.Equal(new long[] { 97, 98, 256, 99, 100, 101 }, batch.InputIds.ToArray<long>());
        Assert.Equal(new long[] { 98, 256, 99, 100, 101, 256 }, batch.Targets.ToArray<long>());
        Assert.Equal([2L, 3L], batch.InputIds.Shape);
        Assert.Equal(DType.Int64, batch.Targets.DType);
        Assert.Equal(6, batch.TargetCount);
        Assert.Null(batch.AttentionMask);
        Assert.Empty(Directory.GetFiles(result.Folder, "*.mask"));
        Assert.Equal(0, result.Index.Validation.Blocks);
    }

    [Fact]
    public void Build_TokenizerWithoutEos_ConcatenatesDocumentsDirectly()
    {
        var input = WriteJsonLines("docs.jsonl", ["ab", "cde"]);

        var result = Build([input], Output(), s_noValidation with { BlockSize = 2 }, new ByteTokenizer(eosTokenId: null));

        using var dataset = TokenDataset.Open(result.Folder);
        Assert.Equal([97, 98, 99], dataset.ReadBlock(DataSplit.Train, 0).Tokens);
        Assert.Equal([99, 100, 101], dataset.ReadBlock(DataSplit.Train, 1).Tokens);
        Assert.Equal(0, result.Index.Train.DroppedTokens);
        Assert.Null(result.Index.EosTokenId);
    }

    [Fact]
    public void Build_SmallShards_SplitsBlocksAcrossShardFilesOfTheIndexedSize()
    {
        var input = Write("long.txt", new string('x', 40) + "0123456789");
        var oneShard = Build([input], Output("one"), s_noValidation with { BlockSize = 4 });

        var small = Build([input], Output("small"), s_noValidation with { BlockSize = 4, BlocksPerShard = 5 });

        Assert.Equal(12, small.Index.Train.Blocks);
        Assert.Equal([5L, 5L, 2L], small.Index.Train.Shards.Select(s => s.Blocks));
        Assert.Equal(["train-00000.bin", "train-00001.bin", "train-00002.bin"], small.Index.Train.Shards.Select(s => s.File));
        Assert.Equal(2 * 5 * 2, new FileInfo(Path.Combine(small.Folder, "train-00002.bin")).Length);
        using var a = TokenDataset.Open(oneShard.Folder);
        using var b = TokenDataset.Open(small.Folder);
        Assert.Equal(Stream(a, DataSplit.Train), Stream(b, DataSplit.Train));
        // 51 tokens make 12 blocks (49 tokens); "9" and <eos> are dropped.
        Assert.Equal("012345678", ByteTokenizer.Show(Stream(b, DataSplit.Train).Skip(40)));
        Assert.Equal(2, small.Index.Train.DroppedTokens);
    }

    [Fact]
    public void Build_VocabularyAbove65536_StoresU32Ids()
    {
        var input = WriteJsonLines("docs.jsonl", ["hello", "world"]);

        var result = Build([input], Output(), s_noValidation, new ByteTokenizer(vocabSize: 70_000, eosTokenId: 69_999));

        Assert.Equal("u32", result.Index.TokenType);
        Assert.Equal(3 * 4 * 4, new FileInfo(Path.Combine(result.Folder, "train-00000.bin")).Length);
        using var dataset = TokenDataset.Open(result.Folder);
        // 12 tokens make 3 blocks of 3 + 1; the last 2 tokens ("d", <eos>) are dropped.
        Assert.Equal("hello<69999>worl", ByteTokenizer.Show(Stream(dataset, DataSplit.Train)));
        Assert.Equal(2, result.Index.Train.DroppedTokens);
    }

    [Fact]
    public void Build_ChatRecords_MasksPromptTargetsAcrossBlockBoundaries()
    {
        var input = Write("chat.jsonl", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"hello there\"}]}\n");

        var result = Build([input], Output(), s_noValidation with { BlockSize = 7 });

        // "User: hi\n" is stream positions 0-8, "Assistant: " 9-19, "hello there\n" 20-31, <eos> 32; blocks start at 0, 7, 14, 21, 28.
        Assert.True(result.Index.Train.HasMask);
        Assert.Equal(4, result.Index.Train.Blocks);
        Assert.True(File.Exists(Path.Combine(result.Folder, "train-00000.mask")));
        using var dataset = TokenDataset.Open(result.Folder);
        var batches = dataset.EvaluationBatches(batchSize: 4, split: DataSplit.Train).ToList();
        using var batch = Assert.Single(batches);
        var targets = batch.Targets.ToArray<long>().Chunk(7).ToArray();
        Assert.All(targets[0], t => Assert.Equal(TokenBatch.IgnoreIndex, t));
        Assert.All(targets[1], t => Assert.Equal(TokenBatch.IgnoreIndex, t));
        Assert.Equal([-100L, -100, -100, -100, -100, 'h', 'e'], targets[2]);
        Assert.Equal("llo the".Select(c => (long)c), targets[3]);
        Assert.Equal(9, batch.TargetCount);
        Assert.Equal([false, false, false, false, false, false, true, true], dataset.ReadBlock(DataSplit.Train, 2).CountsAsTarget);
    }

    [Theory]
    [InlineData("{\"role\": \"assistant\", \"content\": \"ok\"}, {\"role\": \"user\", \"content\": \"hm\"}", "ok\n")]
    [InlineData("{\"role\": \"user\", \"content\": \"hm\"}, {\"role\": \"assistant\", \"content\": \"ok\"}", "ok\n<256>")]
    public void Build_ChatRecord_EndOfTextCountsOnlyAfterAnAssistantTurn(string turns, string expectedTargets)
    {
        var input = Write("chat.jsonl", "{\"messages\": [" + turns + "]}\n");

        var result = Build([input], Output(), s_noValidation with { BlockSize = 23 });

        // Both records render to 23 characters + <eos>: exactly one block of 24 tokens.
        using var dataset = TokenDataset.Open(result.Folder);
        var block = dataset.ReadBlock(DataSplit.Train, 0);
        Assert.Equal(256, block.Tokens[23]);
        var counted = Enumerable.Range(0, 24).Where(j => block.CountsAsTarget[j]).Select(j => block.Tokens[j]);
        Assert.Equal(expectedTargets, ByteTokenizer.Show(counted));
    }

    [Fact]
    public void Build_ManyDocuments_HoldsOutRoughlyTheFraction()
    {
        var input = WriteJsonLines("many.jsonl", Enumerable.Range(0, 2000).Select(i => $"document {i}"));

        var result = Build([input], Output(), new DataOptions { BlockSize = 4, ValidationFraction = 0.2 });

        // 400 expected, standard deviation ≈ 18.
        Assert.InRange(result.Index.Validation.Documents, 330, 470);
        Assert.Equal(2000, result.Index.Validation.Documents + result.Index.Train.Documents);
    }

    [Fact]
    public void Build_FilesInAnotherOrder_HoldOutTheSameDocuments()
    {
        var first = Enumerable.Range(0, 60).Select(i => $"first {i}").ToList();
        var second = Enumerable.Range(0, 60).Select(i => $"second {i}").ToList();
        var a1 = WriteJsonLines("a/1.jsonl", first);
        WriteJsonLines("a/2.jsonl", second);
        var b1 = WriteJsonLines("b/1.jsonl", second);
        WriteJsonLines("b/2.jsonl", first);
        var options = new DataOptions { BlockSize = 2, ValidationFraction = 0.3 };

        var a = Build([Path.GetDirectoryName(a1)!], Output("out-a"), options);
        var b = Build([Path.GetDirectoryName(b1)!], Output("out-b"), options);

        using var da = TokenDataset.Open(a.Folder);
        using var db = TokenDataset.Open(b.Folder);
        var validationA = Documents(Stream(da, DataSplit.Validation));
        var validationB = Documents(Stream(db, DataSplit.Validation));
        Assert.Equal(validationA.Order(StringComparer.Ordinal), validationB.Order(StringComparer.Ordinal));
        Assert.Equal(Documents(Stream(da, DataSplit.Train)).Order(StringComparer.Ordinal), Documents(Stream(db, DataSplit.Train)).Order(StringComparer.Ordinal));
        Assert.InRange(validationA.Count, 20, 60);
        Assert.Equal(120, validationA.Count + Documents(Stream(da, DataSplit.Train)).Count);
        Assert.NotEqual(Stream(da, DataSplit.Validation), Stream(db, DataSplit.Validation));
    }

    [Fact]
    public void Build_SameInputsTwice_WritesIdenticalShards()
    {
        var input = WriteJsonLines("docs.jsonl", Enumerable.Range(0, 50).Select(i => $"text {i}"));
        var options = new DataOptions { BlockSize = 4, ValidationFraction = 0.25 };

        var a = Build([input], Output("a"), options);
        var b = new TokenDatasetBuilder(new ByteTokenizer(), "bytes-v1", options) { MaxDegreeOfParallelism = 2 }.Build([input], Output("b"), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(a.Index.Key, b.Index.Key);
        foreach (var shard in a.Index.Train.Shards.Concat(a.Index.Validation.Shards))
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(a.Folder, shard.File)), File.ReadAllBytes(Path.Combine(b.Folder, shard.File)));
        }
    }

    [Fact]
    public void Build_NoDocumentHashedToValidation_MovesSmallestHashesSoValidationHoldsABlock()
    {
        var input = WriteJsonLines("few.jsonl", ["one document", "another document", "a third document"]);

        var result = Build([input], Output(), new DataOptions { BlockSize = 2, ValidationFraction = 0.001 });

        // No hash falls below 0.001, so the smallest-hashed document moves: one is enough for a block of 2 + 1.
        Assert.Equal((1L, 2L), (result.Index.Validation.Documents, result.Index.Train.Documents));
        using var dataset = TokenDataset.Open(result.Folder);
        var held = Assert.Single(Documents(Stream(dataset, DataSplit.Validation)));
        var trained = Documents(Stream(dataset, DataSplit.Train));
        Assert.Equal(["a third document", "another document", "one document"], trained.Append(held).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Build_TooLittleDataForTrainingBlocks_NamesTheInputs()
    {
        var input = WriteJsonLines("tiny.jsonl", ["abc"]);

        var error = Assert.Throws<DataFormatException>(() => Build([input], Output(), new DataOptions { BlockSize = 16, ValidationFraction = 0 }));

        Assert.Contains(input, error.Message, StringComparison.Ordinal);
        Assert.Contains("train split 4 token(s) from 1 document(s), fewer than one block needs (17", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Output(), "index.json")));
    }

    [Fact]
    public void Build_SingleDocumentWithValidation_ExplainsThatTrainingIsLeftEmpty()
    {
        var input = Write("one.txt", new string('z', 100));

        var error = Assert.Throws<DataFormatException>(() => Build([input], Output(), new DataOptions { BlockSize = 8, ValidationFraction = 0.1 }));

        Assert.Contains(input, error.Message, StringComparison.Ordinal);
        Assert.Contains("train split 0 token(s)", error.Message, StringComparison.Ordinal);
        Assert.Contains("moved to validation", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ReportsProgressUpToEveryFileAndToken()
    {
        var a = WriteJsonLines("a.jsonl", ["first", "second"]);
        var b = Write("b.txt", "third document");
        var progress = new ListProgress();

        var result = new TokenDatasetBuilder(new ByteTokenizer(), "bytes-v1", s_noValidation).Build([a, b], Output(), progress, TestContext.Current.CancellationToken);

        var last = progress.Reports[^1];
        Assert.Equal((2, 2), (last.FilesDone, last.Files));
        Assert.Equal(new FileInfo(a).Length + new FileInfo(b).Length, last.Bytes);
        Assert.Equal(last.Bytes, last.BytesRead);
        Assert.Equal((3L, result.Index.Train.Tokens), (last.Documents, last.Tokens));
        Assert.Contains(progress.Reports, r => r.FilesDone == 1 && r.Documents == 2);
    }

    private sealed class ListProgress : IProgress<TokenDatasetBuildProgress>
    {
        public List<TokenDatasetBuildProgress> Reports { get; } = [];

        public void Report(TokenDatasetBuildProgress value) => Reports.Add(value);
    }
}
