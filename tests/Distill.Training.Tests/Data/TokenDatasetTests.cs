using System.Text.Json.Nodes;
using Distill.Training.Data;

namespace Distill.Training.Tests.Data;

public sealed class TokenDatasetTests : DatasetTestFolder
{
    private TokenDatasetBuildResult BuildCorpus(DataOptions? options = null) =>
        Build([WriteJsonLines("docs.jsonl", Enumerable.Range(0, 30).Select(i => $"line {i} of text"))], Output(), options ?? new DataOptions { BlockSize = 4, ValidationFraction = 0.2 });

    [Fact]
    public void Open_TruncatedShard_NamesTheShardAndBothSizes()
    {
        var built = BuildCorpus();
        var shard = Path.Combine(built.Folder, "train-00000.bin");
        var size = new FileInfo(shard).Length;
        using (var stream = new FileStream(shard, FileMode.Open))
        {
            stream.SetLength(size - 1);
        }

        var error = Assert.Throws<DataFormatException>(() => TokenDataset.Open(built.Folder));

        var problem = Assert.Single(error.Problems);
        Assert.Equal(shard, problem.File);
        Assert.Contains($"is {size - 1} bytes, expected {size}", problem.Message, StringComparison.Ordinal);
        Assert.Contains(shard, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_MissingShardAndMask_ListsEach()
    {
        var built = Build([Write("chat.jsonl", "{\"messages\": [{\"role\": \"user\", \"content\": \"question\"}, {\"role\": \"assistant\", \"content\": \"answer\"}]}\n")],
            Output(), new DataOptions { BlockSize = 4, ValidationFraction = 0 });
        File.Delete(Path.Combine(built.Folder, "train-00000.bin"));
        File.Delete(Path.Combine(built.Folder, "train-00000.mask"));

        var error = Assert.Throws<DataFormatException>(() => TokenDataset.Open(built.Folder));

        Assert.Equal(["train-00000.bin", "train-00000.mask"], error.Problems.Select(p => Path.GetFileName(p.File)));
        Assert.All(error.Problems, p => Assert.Contains("missing", p.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Open_NoIndex_SaysTheFolderIsIncomplete()
    {
        var built = BuildCorpus();
        File.Delete(Path.Combine(built.Folder, "index.json"));

        var error = Assert.Throws<DataFormatException>(() => TokenDataset.Open(built.Folder));

        Assert.Contains("index.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("incomplete", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("version", "2", "version 2; this Distill reads version 1")]
    [InlineData("format", "\"something-else\"", "format is 'something-else'")]
    [InlineData("token_type", "\"u8\"", "token_type 'u8'")]
    public void Open_IndexWithWrongHeader_SaysWhatIsWrong(string field, string value, string expected)
    {
        var built = BuildCorpus();
        var path = Path.Combine(built.Folder, "index.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        json[field] = JsonNode.Parse(value);
        File.WriteAllText(path, json.ToJsonString());

        var error = Assert.Throws<DataFormatException>(() => TokenDataset.Open(built.Folder));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_IndexNotJson_NamesTheIndex()
    {
        var built = BuildCorpus();
        File.WriteAllText(Path.Combine(built.Folder, "index.json"), "{ not json");

        var error = Assert.Throws<DataFormatException>(() => TokenDataset.Open(built.Folder));

        Assert.Contains("index.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("not a valid dataset index", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadBlock_IndexOutOfRange_Throws()
    {
        using var dataset = TokenDataset.Open(BuildCorpus().Folder);

        Assert.Throws<ArgumentOutOfRangeException>(() => dataset.ReadBlock(DataSplit.Train, dataset.BlockCount(DataSplit.Train)));
        Assert.Throws<ArgumentOutOfRangeException>(() => dataset.ReadBlock(DataSplit.Train, -1));
    }

    [Fact]
    public void EvaluationBatches_FirstBlocks_ComeInStoredOrderWithASmallerLastBatch()
    {
        using var dataset = TokenDataset.Open(BuildCorpus().Folder);
        Assert.True(dataset.BlockCount(DataSplit.Validation) >= 5);

        var batches = dataset.EvaluationBatches(batchSize: 2, maxBlocks: 5).ToList();

        Assert.Equal([[0L, 1], [2L, 3], [4L]], batches.Select(b => b.Blocks));
        Assert.Equal([1L, 4L], batches[2].InputIds.Shape);
        var expected = dataset.ReadBlock(DataSplit.Validation, 4).Tokens;
        Assert.Equal(expected.Take(4).Select(t => (long)t), batches[2].InputIds.ToArray<long>());
        Assert.Equal(expected.Skip(1).Select(t => (long)t), batches[2].Targets.ToArray<long>());
        Assert.Equal(dataset.BlockCount(DataSplit.Validation), dataset.EvaluationBatches(batchSize: 3).Sum(b => b.Rows));
        foreach (var batch in batches)
        {
            batch.Dispose();
        }
    }
}
