using System.Text;
using System.Text.Json;
using Distill.Contracts.Checkpoints;
using Distill.Torch.Serialization;

namespace Distill.Torch.Tests.Serialization;

public sealed class SafeTensorsCheckpointTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Six float tensors of 16, 16, 40, 8, 8 and 24 bytes.</summary>
    private static KeyValuePair<string, Tensor>[] Model() =>
    [
        new("h.0.w", Tensor.Arange(0, 4, 1, DType.Float32)),
        new("h.0.b", Tensor.Arange(10, 14, 1, DType.Float32)),
        new("big", Tensor.Arange(0, 10, 1, DType.Float32)),
        new("h.1.w", Tensor.Arange(20, 22, 1, DType.Float32)),
        new("ids", Tensor.Arange(5, DType.Int64).Narrow(0, 0, 1)),
        new("h.1.b", Tensor.Arange(30, 36, 1, DType.Float32).Reshape(2, 3).T),
    ];

    [Fact]
    public void SaveCheckpoint_SmallMaxShardSize_WritesHuggingFaceShardsAndIndex()
    {
        using var scope = TensorScope.Begin();
        var model = Model();

        var written = SafeTensors.SaveCheckpoint(_folder.Path, model, maxShardBytes: 32);

        // Packing in order with at most 32 bytes: [h.0.w, h.0.b], [h.1.w, ids], [h.1.b], and big (40 > 32) alone,
        // in a shard added as soon as it is met, before the shard being filled (Hugging Face's order).
        string[] shards = ["model-00001-of-00004.safetensors", "model-00002-of-00004.safetensors", "model-00003-of-00004.safetensors", "model-00004-of-00004.safetensors"];
        Assert.Equal([.. shards.Select(_folder.File), _folder.File(SafeTensors.IndexFileName)], written);
        Assert.Equal([.. shards, SafeTensors.IndexFileName], _folder.Names());

        using var index = JsonDocument.Parse(File.ReadAllBytes(_folder.File(SafeTensors.IndexFileName)));
        Assert.Equal(16 + 16 + 40 + 8 + 8 + 24, index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());
        var weightMap = index.RootElement.GetProperty("weight_map").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        Assert.Equal(["big", "h.0.b", "h.0.w", "h.1.b", "h.1.w", "ids"], weightMap.Keys);
        Assert.Equal(shards[0], weightMap["big"]);
        Assert.Equal(shards[1], weightMap["h.0.w"]);
        Assert.Equal(shards[1], weightMap["h.0.b"]);
        Assert.Equal(shards[2], weightMap["h.1.w"]);
        Assert.Equal(shards[2], weightMap["ids"]);
        Assert.Equal(shards[3], weightMap["h.1.b"]);
        using var shard = SafeTensorsFile.Open(_folder.File(shards[2]));
        Assert.Equal("pt", shard.Metadata["format"]);
    }

    [Fact]
    public void LoadCheckpoint_ShardedFolder_GivesBackEveryTensor()
    {
        using var scope = TensorScope.Begin();
        var model = Model();
        SafeTensors.SaveCheckpoint(_folder.Path, model, maxShardBytes: 32);

        var loaded = SafeTensors.LoadCheckpoint(_folder.Path);

        Assert.Equal(model.Select(p => p.Key).Order(StringComparer.Ordinal), loaded.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, tensor) in model)
        {
            Assert.Equal(tensor.Shape, loaded[name].Shape);
            Assert.Equal(tensor.DType, loaded[name].DType);
            Assert.Equal(tensor.Contiguous().ToBytes(), loaded[name].ToBytes());
        }
    }

    [Fact]
    public void Open_ShardedCheckpoint_ListsTheUnionOfEntriesAndReadsFromTheRightShard()
    {
        using var scope = TensorScope.Begin();
        SafeTensors.SaveCheckpoint(_folder.Path, Model(), maxShardBytes: 32);

        using var checkpoint = SafeTensorsCheckpoint.Open(_folder.File(SafeTensors.IndexFileName));

        Assert.Equal(_folder.File(SafeTensors.IndexFileName), checkpoint.IndexPath);
        Assert.Equal(4, checkpoint.Files.Count);
        Assert.Equal(6, checkpoint.Entries.Count);
        Assert.Equal(_folder.File("model-00001-of-00004.safetensors"), checkpoint.GetEntry("big").FilePath);
        Assert.Equal([30f, 33f, 31f, 34f, 32f, 35f], checkpoint.Read("h.1.b").ToArray<float>());
        Assert.False(checkpoint.Contains("nope"));
        Assert.Throws<KeyNotFoundException>(() => checkpoint.Read("nope"));
    }

    [Fact]
    public void SaveCheckpoint_EverythingFitsOneShard_WritesModelSafetensorsAndRemovesAnOldShardedSave()
    {
        using var scope = TensorScope.Begin();
        SafeTensors.SaveCheckpoint(_folder.Path, Model(), maxShardBytes: 32);
        _folder.Write("config.json", "{}"u8.ToArray());

        var written = SafeTensors.SaveCheckpoint(_folder.Path, Model());

        Assert.Equal([_folder.File(SafeTensors.SingleFileName)], written);
        Assert.Equal(["config.json", SafeTensors.SingleFileName], _folder.Names());
        using var checkpoint = SafeTensorsCheckpoint.Open(_folder.Path);
        Assert.Null(checkpoint.IndexPath);
        Assert.Equal(6, checkpoint.Entries.Count);
    }

    [Fact]
    public void SaveCheckpoint_ShardedOverASingleFile_RemovesTheSingleFile()
    {
        using var scope = TensorScope.Begin();
        SafeTensors.SaveCheckpoint(_folder.Path, Model());

        SafeTensors.SaveCheckpoint(_folder.Path, Model(), maxShardBytes: 48);

        Assert.DoesNotContain(SafeTensors.SingleFileName, _folder.Names());
        Assert.Contains(SafeTensors.IndexFileName, _folder.Names());
        using var checkpoint = SafeTensorsCheckpoint.Open(_folder.Path);
        Assert.NotNull(checkpoint.IndexPath);
    }

    [Fact]
    public void Open_IndexPointingAtAMissingShard_NamesTheIndexAndTheShard()
    {
        using var scope = TensorScope.Begin();
        SafeTensors.SaveCheckpoint(_folder.Path, Model(), maxShardBytes: 32);
        File.Delete(_folder.File("model-00001-of-00004.safetensors"));

        var error = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsCheckpoint.Open(_folder.Path));

        Assert.Equal(_folder.File(SafeTensors.IndexFileName), error.FilePath);
        Assert.Equal("big", error.TensorName);
        Assert.Contains("'model-00001-of-00004.safetensors', which does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_TensorMissingFromItsShard_NamesTheShardAndTheTensor()
    {
        using var scope = TensorScope.Begin();
        SafeTensors.Write(_folder.File("s1.safetensors"), [new("a", Tensor.Ones([1]))]);
        SafeTensors.Write(_folder.File("s2.safetensors"), [new("b", Tensor.Ones([1]))]);
        var index = WriteIndex(("a", "s1.safetensors"), ("b", "s2.safetensors"), ("c", "s2.safetensors"));

        var error = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsCheckpoint.Open(index));

        Assert.Equal(_folder.File("s2.safetensors"), error.FilePath);
        Assert.Equal("c", error.TensorName);
        Assert.Contains($"{index} lists the tensor in this file, but the file does not hold it", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_TensorInTwoShards_IsRejected()
    {
        using var scope = TensorScope.Begin();
        SafeTensors.Write(_folder.File("s1.safetensors"), [new("a", Tensor.Ones([1]))]);
        SafeTensors.Write(_folder.File("s2.safetensors"), [new("a", Tensor.Ones([1])), new("b", Tensor.Ones([1]))]);
        var index = WriteIndex(("a", "s1.safetensors"), ("b", "s2.safetensors"));

        var error = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsCheckpoint.Open(index));

        Assert.Equal(_folder.File("s2.safetensors"), error.FilePath);
        Assert.Equal("a", error.TensorName);
        Assert.Contains($"also in {_folder.File("s1.safetensors")}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_TensorInAShardButNotInTheIndex_IsRejected()
    {
        using var scope = TensorScope.Begin();
        SafeTensors.Write(_folder.File("s1.safetensors"), [new("a", Tensor.Ones([1])), new("stray", Tensor.Ones([1]))]);
        var index = WriteIndex(("a", "s1.safetensors"));

        var error = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsCheckpoint.Open(index));

        Assert.Equal(index, error.FilePath);
        Assert.Equal("stray", error.TensorName);
        Assert.Contains("the weight_map does not list it", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_IndexListingATensorInTheWrongShard_IsRejected()
    {
        using var scope = TensorScope.Begin();
        SafeTensors.Write(_folder.File("s1.safetensors"), [new("a", Tensor.Ones([1]))]);
        SafeTensors.Write(_folder.File("s2.safetensors"), [new("b", Tensor.Ones([1]))]);
        var index = WriteIndex(("a", "s2.safetensors"), ("b", "s2.safetensors"), ("z", "s1.safetensors"));

        var error = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsCheckpoint.Open(index));

        Assert.Equal("a", error.TensorName);
        Assert.Contains("puts it in 's2.safetensors', but it is in", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"weight_map": {"a": "s1.safetensors", "a": "s1.safetensors"}}""", "a", "the name appears twice in the weight_map")]
    [InlineData("""{"metadata": {"total_size": 4}}""", null, "the index has no weight_map")]
    [InlineData("""{"weight_map": {"a": 1}}""", "a", "must be a shard file name")]
    [InlineData("""{"weight_map": {"a": "../s1.safetensors"}}""", "a", "not a file name in the index's folder")]
    [InlineData("""{"weight_map": {"a": "s1.safetensors"},}""", null, "the index is not valid JSON")]
    [InlineData("""[]""", null, "must be a JSON object")]
    public void Open_MalformedIndex_NamesTheIndex(string json, string? tensor, string fragment)
    {
        using var scope = TensorScope.Begin();
        SafeTensors.Write(_folder.File("s1.safetensors"), [new("a", Tensor.Ones([1]))]);
        var index = _folder.Write(SafeTensors.IndexFileName, Encoding.UTF8.GetBytes(json));

        var error = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsCheckpoint.Open(index));

        Assert.Equal(index, error.FilePath);
        Assert.Equal(tensor, error.TensorName);
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_FolderWithoutCheckpoint_ThrowsFileNotFound()
    {
        var error = Assert.Throws<FileNotFoundException>(() => SafeTensorsCheckpoint.Open(_folder.Path));

        Assert.Contains(SafeTensors.IndexFileName, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_BrokenShard_NamesTheShard()
    {
        using var scope = TensorScope.Begin();
        SafeTensors.SaveCheckpoint(_folder.Path, Model(), maxShardBytes: 32);
        var shard = _folder.File("model-00003-of-00004.safetensors");
        var bytes = File.ReadAllBytes(shard);
        File.WriteAllBytes(shard, bytes[..^1]);

        var error = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsCheckpoint.Open(_folder.Path));

        Assert.Equal(shard, error.FilePath);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    private string WriteIndex(params (string Tensor, string File)[] weightMap)
    {
        var map = string.Join(", ", weightMap.Select(p => $"\"{p.Tensor}\": \"{p.File}\""));
        return _folder.Write(SafeTensors.IndexFileName, Encoding.UTF8.GetBytes($"{{\"metadata\": {{\"total_size\": 8}}, \"weight_map\": {{{map}}}}}"));
    }
}
