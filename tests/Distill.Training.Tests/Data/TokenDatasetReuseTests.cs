using Distill.Training.Data;

namespace Distill.Training.Tests.Data;

public sealed class TokenDatasetReuseTests : DatasetTestFolder
{
    private static readonly DataOptions s_options = new() { BlockSize = 4, ValidationFraction = 0.2 };

    private string WriteCorpus(string name = "docs.jsonl") =>
        WriteJsonLines(name, Enumerable.Range(0, 40).Select(i => $"sentence number {i}"));

    [Fact]
    public void Build_SameInputsTokenizerAndOptions_ReusesTheFolderWithoutTokenizing()
    {
        var input = WriteCorpus();
        var first = Build([input], Output(), s_options);
        var indexWritten = File.GetLastWriteTimeUtc(Path.Combine(first.Folder, "index.json"));
        var tokenizer = new ByteTokenizer();

        var second = Build([input], Output(), s_options, tokenizer);

        Assert.True(second.Reused);
        Assert.Equal(0, tokenizer.EncodeCalls);
        Assert.Equal(first.Index.Key, second.Index.Key);
        Assert.Equal(first.Index.Train.Blocks, second.Index.Train.Blocks);
        Assert.Equal(indexWritten, File.GetLastWriteTimeUtc(Path.Combine(first.Folder, "index.json")));
    }

    [Fact]
    public void Build_InputsGivenInAnotherOrder_ReusesTheFolder()
    {
        var a = WriteJsonLines("a.jsonl", Enumerable.Range(0, 20).Select(i => $"alpha {i}"));
        var b = WriteJsonLines("b.jsonl", Enumerable.Range(0, 20).Select(i => $"beta {i}"));
        Build([a, b], Output(), s_options);

        var second = Build([b, a], Output(), s_options);

        Assert.True(second.Reused);
    }

    [Fact]
    public void Build_InputFileChanged_Rebuilds()
    {
        var input = WriteCorpus();
        var first = Build([input], Output(), s_options);
        File.AppendAllText(input, "{\"text\": \"one more sentence\"}\n");
        var tokenizer = new ByteTokenizer();

        var second = Build([input], Output(), s_options, tokenizer);

        Assert.False(second.Reused);
        Assert.True(tokenizer.EncodeCalls > 0);
        Assert.NotEqual(first.Index.Key, second.Index.Key);
        Assert.Equal(41, second.Index.Train.Documents + second.Index.Validation.Documents);
        using var dataset = TokenDataset.Open(second.Folder);
        Assert.Equal(second.Index.Key, dataset.Index.Key);
    }

    [Fact]
    public void Build_OtherTokenizerIdentity_Rebuilds()
    {
        var input = WriteCorpus();
        var first = Build([input], Output(), s_options);

        var second = Build([input], Output(), s_options, tokenizerId: "bytes-v2");

        Assert.False(second.Reused);
        Assert.NotEqual(first.Index.Key, second.Index.Key);
        Assert.Equal("bytes-v2", second.Index.Tokenizer);
    }

    [Fact]
    public void Build_OtherWayOfCuttingTextIntoDocuments_Rebuilds()
    {
        var input = WriteCorpus();
        var first = Build([input], Output(), s_options);

        var separated = Build([input], Output(), s_options with { DocumentSeparator = "%" });
        var whole = Build([input], Output(), s_options with { TextDocuments = TextDocuments.File });

        Assert.False(separated.Reused);
        Assert.False(whole.Reused);
        Assert.Equal(3, new[] { first.Index.Key, separated.Index.Key, whole.Index.Key }.Distinct().Count());
    }

    [Fact]
    public void Build_OtherBlockSize_RebuildsAndRemovesTheOldShards()
    {
        var input = WriteCorpus();
        Build([input], Output(), s_options with { BlocksPerShard = 2 });

        var second = Build([input], Output(), s_options with { BlockSize = 8 });

        Assert.False(second.Reused);
        Assert.Equal(8, second.Index.BlockSize);
        var listed = second.Index.Train.Shards.Concat(second.Index.Validation.Shards).Select(s => s.File).Order(StringComparer.Ordinal);
        Assert.Equal(listed, Directory.GetFiles(second.Folder, "*.bin").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.GetFiles(second.Folder, "*.spill"));
        Assert.False(File.Exists(Path.Combine(second.Folder, "index.json.tmp")));
    }

    [Fact]
    public void Build_FolderWithoutIndex_IsTreatedAsIncompleteAndRebuilt()
    {
        var input = WriteCorpus();
        var first = Build([input], Output(), s_options);
        File.Delete(Path.Combine(first.Folder, "index.json"));
        var tokenizer = new ByteTokenizer();

        var second = Build([input], Output(), s_options, tokenizer);

        Assert.False(second.Reused);
        Assert.True(tokenizer.EncodeCalls > 0);
        Assert.True(File.Exists(Path.Combine(second.Folder, "index.json")));
    }

    [Fact]
    public void Build_TruncatedShard_Rebuilds()
    {
        var input = WriteCorpus();
        var first = Build([input], Output(), s_options);
        var shard = Path.Combine(first.Folder, "train-00000.bin");
        var size = new FileInfo(shard).Length;
        using (var stream = new FileStream(shard, FileMode.Open))
        {
            stream.SetLength(size - 3);
        }

        var second = Build([input], Output(), s_options);

        Assert.False(second.Reused);
        Assert.Equal(size, new FileInfo(shard).Length);
    }
}
