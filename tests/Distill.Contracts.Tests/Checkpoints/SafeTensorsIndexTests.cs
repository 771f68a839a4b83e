using System.Buffers.Binary;
using System.Text;
using Distill.Contracts.Checkpoints;

namespace Distill.Contracts.Tests.Checkpoints;

public sealed class SafeTensorsIndexTests
{
    private static SafeTensorsHeader Shard(string path, params string[] tensors)
    {
        var entries = tensors.Select((name, i) => $$"""
            "{{name}}":{"dtype":"F32","shape":[1],"data_offsets":[{{4 * i}},{{4 * (i + 1)}}]}
            """.Trim());
        var json = Encoding.UTF8.GetBytes("{" + string.Join(",", entries) + "}");
        var bytes = new byte[8 + json.Length + 4 * tensors.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        return SafeTensorsHeader.Read(path, new MemoryStream(bytes), bytes.Length);
    }

    private static SafeTensorsIndex Index(string json) => SafeTensorsIndex.Parse("t/model.safetensors.index.json", Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Parse_ListsTheShardsInNameOrder()
    {
        var index = Index("""{"metadata":{"total_size":12},"weight_map":{"c":"model-00002-of-00002.safetensors","a":"model-00001-of-00002.safetensors","b":"model-00001-of-00002.safetensors"}}""");

        Assert.Equal(["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"], index.ShardNames);
        Assert.Equal("model-00002-of-00002.safetensors", index.WeightMap["c"]);
        Assert.Equal("a", index.FirstTensorIn("model-00001-of-00002.safetensors"));
    }

    [Fact]
    public void Verify_ShardsThatAgreeWithTheIndex_GiveEachTensorsShard()
    {
        var index = Index("""{"weight_map":{"a":"s1.safetensors","b":"s1.safetensors","c":"s2.safetensors"}}""");

        var shardOf = index.Verify([Shard("t/s1.safetensors", "a", "b"), Shard("t/s2.safetensors", "c")]);

        Assert.Equal(new Dictionary<string, int> { ["a"] = 0, ["b"] = 0, ["c"] = 1 }, shardOf);
    }

    [Fact]
    public void Verify_TensorMissingFromItsShard_NamesTheShardAndTheTensor()
    {
        var index = Index("""{"weight_map":{"a":"s1.safetensors","c":"s2.safetensors","d":"s2.safetensors"}}""");

        var error = Assert.Throws<SafeTensorsFormatException>(() => index.Verify([Shard("t/s1.safetensors", "a"), Shard("t/s2.safetensors", "c")]));

        Assert.Equal("t/s2.safetensors: tensor 'd': t/model.safetensors.index.json lists the tensor in this file, but the file does not hold it", error.Message);
    }

    [Fact]
    public void Verify_UnlistedTensor_IsRejected()
    {
        var index = Index("""{"weight_map":{"a":"s1.safetensors"}}""");

        var error = Assert.Throws<SafeTensorsFormatException>(() => index.Verify([Shard("t/s1.safetensors", "a", "stray")]));

        Assert.Equal("t/model.safetensors.index.json: tensor 'stray': t/s1.safetensors holds the tensor, but the weight_map does not list it", error.Message);
    }

    [Theory]
    [InlineData("""{"weight_map":{"a":"../s1.safetensors"}}""", "a", "the weight_map names the shard '../s1.safetensors', which is not a file name in the index's folder")]
    [InlineData("""{"weight_map":{"a":"C:s1.safetensors"}}""", "a", "the weight_map names the shard 'C:s1.safetensors', which is not a file name in the index's folder")]
    [InlineData("""{"metadata":{}}""", null, "the index has no weight_map")]
    [InlineData("""{"weight_map":{"a":"s","a":"s"}}""", "a", "the name appears twice in the weight_map")]
    public void Parse_MalformedIndex_NamesTheIndex(string json, string? tensor, string problem)
    {
        var error = Assert.Throws<SafeTensorsFormatException>(() => Index(json));

        Assert.Equal(("t/model.safetensors.index.json", tensor), (error.FilePath, error.TensorName));
        Assert.EndsWith(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingShard_NamesTheIndexTheFolderAndTheFirstTensor()
    {
        var index = Index("""{"weight_map":{"x":"s1.safetensors","y":"s1.safetensors"}}""");

        var error = index.MissingShard("s1.safetensors", "uploads/run42/teacher");

        Assert.Equal("t/model.safetensors.index.json: tensor 'x': the weight_map puts it in 's1.safetensors', which does not exist in uploads/run42/teacher", error.Message);
    }
}
