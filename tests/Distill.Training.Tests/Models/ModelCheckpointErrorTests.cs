using Distill.Contracts.Checkpoints;
using Distill.Contracts.Models;
using Distill.Torch.Serialization;
using Distill.Torch;
using Distill.Training.Models;

namespace Distill.Training.Tests.Models;

/// <summary>Every malformed checkpoint fails with an error naming the file and the tensor or key.</summary>
public sealed class ModelCheckpointErrorTests : ModelTestFolder
{
    [Fact]
    public void Load_MissingUnexpectedAndMisshapedTensors_ListsEveryProblemWithFileAndTensor()
    {
        using var scope = TensorScope.Begin();
        var spec = new Gpt2Spec();
        var weights = spec.RandomWeights(1);
        weights.Remove("transformer.h.1.ln_2.bias");
        weights["transformer.h.0.attn.q_norm.weight"] = Tensor.Ones([8]);
        weights["transformer.h.0.mlp.c_fc.weight"] = Tensor.Zeros([spec.Hidden, 64]);
        var folder = WriteCheckpoint("gpt2", spec.ConfigJson(), weights);
        var file = Path.Combine(folder, "model.safetensors");

        var error = Assert.Throws<ModelCheckpointException>(() => ModelCheckpoint.Load(folder));

        Assert.Equal(file, error.FilePath);
        Assert.Equal(
            [
                (file, "transformer.h.0.mlp.c_fc.weight"),
                (file, "transformer.h.1.ln_2.bias"),
                (file, "transformer.h.0.attn.q_norm.weight"),
            ],
            error.Problems.Select(p => (p.FilePath, p.TensorName)));
        Assert.Contains($"{file}: tensor 'transformer.h.1.ln_2.bias': missing", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{file}: tensor 'transformer.h.0.attn.q_norm.weight': unexpected", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{file}: tensor 'transformer.h.0.mlp.c_fc.weight': has shape [32, 64] but config.json describes [32, 128]", error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(folder, "config.json"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ShardedProblems_NameTheShardHoldingTheTensorAndTheIndexForMissingOnes()
    {
        using var scope = TensorScope.Begin();
        var spec = new LlamaSpec();
        var weights = spec.RandomWeights(2);
        weights.Remove("lm_head.weight");
        weights["model.layers.0.self_attn.k_proj.weight"] = Tensor.Zeros([spec.Hidden, spec.Hidden]);
        var folder = WriteCheckpoint("llama", spec.ConfigJson(), weights, maxShardBytes: 8192);
        var index = Path.Combine(folder, "model.safetensors.index.json");
        var shard = SafeTensorsCheckpoint.Open(index);
        var holder = shard.GetEntry("model.layers.0.self_attn.k_proj.weight").FilePath;
        shard.Dispose();
        Assert.NotEqual(index, holder);

        var error = Assert.Throws<ModelCheckpointException>(() => ModelCheckpoint.Load(folder));

        Assert.Equal(index, error.FilePath);
        Assert.Equal(
            [(holder, "model.layers.0.self_attn.k_proj.weight"), (index, "lm_head.weight")],
            error.Problems.Select(p => (p.FilePath, p.TensorName)));
        Assert.Contains("has shape [32, 32] but config.json describes [16, 32]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnsupportedModelType_NamesConfigJsonAndTheType()
    {
        var folder = Folder("bert");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), """{"model_type": "bert", "hidden_size": 32, "vocab_size": 10}""");

        var error = Assert.Throws<ModelConfigException>(() => ModelCheckpoint.Load(folder));

        Assert.Contains(Path.Combine(folder, "config.json"), error.Message, StringComparison.Ordinal);
        Assert.Contains("model_type 'bert' is not supported", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingConfigJson_NamesThePath()
    {
        using var scope = TensorScope.Begin();
        var spec = new Gpt2Spec();
        var folder = WriteCheckpoint("gpt2", spec.ConfigJson(), spec.RandomWeights(3));
        File.Delete(Path.Combine(folder, "config.json"));

        var error = Assert.Throws<ModelConfigException>(() => ModelCheckpoint.Load(folder));

        Assert.Equal($"{Path.Combine(folder, "config.json")}: the model config file does not exist", error.Message);
    }

    [Fact]
    public void Load_TruncatedWeightsFile_NamesTheFileAndTheLastTensor()
    {
        using var scope = TensorScope.Begin();
        var spec = new Gpt2Spec();
        var folder = WriteCheckpoint("gpt2", spec.ConfigJson(), spec.RandomWeights(4));
        var file = Path.Combine(folder, "model.safetensors");
        string last;
        using (var checkpoint = SafeTensorsFile.Open(file))
        {
            last = checkpoint.Entries.MaxBy(e => e.End)!.Name;
        }
        using (var stream = new FileStream(file, FileMode.Open))
        {
            stream.SetLength(stream.Length - 10);
        }

        var error = Assert.Throws<SafeTensorsFormatException>(() => ModelCheckpoint.Load(folder));

        Assert.Equal(file, error.FilePath);
        Assert.Equal(last, error.TensorName);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NoWeightsFile_NamesTheFolderAndTheUnreadableFormat()
    {
        var spec = new Gpt2Spec();
        var folder = Folder("gpt2-bin");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), spec.ConfigJson());
        File.WriteAllBytes(Path.Combine(folder, "pytorch_model.bin"), [1, 2, 3]);

        var error = Assert.Throws<ModelCheckpointException>(() => ModelCheckpoint.Load(folder));

        Assert.Equal(folder, error.FilePath);
        Assert.Contains("neither model.safetensors nor model.safetensors.index.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("pytorch_model.bin", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FolderThatDoesNotExist_NamesIt()
    {
        var folder = Folder("nowhere");

        var error = Assert.Throws<ModelCheckpointException>(() => ModelCheckpoint.Load(folder));

        Assert.Equal($"{folder}: the model folder does not exist", error.Message);
    }

    [Fact]
    public void Load_TiedHeadThatDiffersFromTheEmbedding_NamesTheHead()
    {
        using var scope = TensorScope.Begin();
        var spec = new Gpt2Spec();
        var weights = spec.RandomWeights(5);
        weights["lm_head.weight"] = weights["transformer.wte.weight"] * 2;
        var folder = WriteCheckpoint("gpt2", spec.ConfigJson(), weights);

        var error = Assert.Throws<ModelCheckpointException>(() => ModelCheckpoint.Load(folder));

        var problem = Assert.Single(error.Problems);
        Assert.Equal((Path.Combine(folder, "model.safetensors"), "lm_head.weight"), (problem.FilePath, problem.TensorName));
        Assert.Contains("tie_word_embeddings", problem.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_IntegerTensorForAWeight_IsAProblem()
    {
        using var scope = TensorScope.Begin();
        var spec = new Gpt2Spec();
        var weights = spec.RandomWeights(6);
        weights["transformer.ln_f.bias"] = Tensor.Zeros([spec.Hidden], DType.Int32);
        var folder = WriteCheckpoint("gpt2", spec.ConfigJson(), weights);

        var error = Assert.Throws<ModelCheckpointException>(() => ModelCheckpoint.Load(folder));

        var problem = Assert.Single(error.Problems);
        Assert.Equal("transformer.ln_f.bias", problem.TensorName);
        Assert.Contains("stored as I32", problem.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_IntegerDTypeRequested_IsRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => ModelCheckpoint.Load(Root, floatDType: DType.Int64));

        Assert.Equal("floatDType", error.ParamName);
    }
}
