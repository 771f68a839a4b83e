using System.Text.Json.Nodes;
using Distill.Contracts.Models;
using Distill.Torch.Serialization;
using Distill.Torch;
using Distill.Training.Models;

namespace Distill.Training.Tests.Models;

/// <summary>Saved models are Hugging Face folders that load back bit for bit.</summary>
public sealed class ModelCheckpointSaveTests : ModelTestFolder
{
    private static readonly string[] s_tokenizerFiles = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.json", "merges.txt", "generation_config.json"];

    private static JsonObject ReadConfig(string folder) => JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "config.json")))!.AsObject();

    private static void AssertSameParameters(CausalLanguageModel expected, CausalLanguageModel actual)
    {
        var a = expected.NamedParameters().ToList();
        var b = actual.NamedParameters().ToList();
        Assert.Equal(a.Select(p => p.Key), b.Select(p => p.Key));
        for (var i = 0; i < a.Count; i++)
        {
            Assert.True(BitEqual(a[i].Value, b[i].Value), a[i].Key);
        }
    }

    [Fact]
    public void Save_Gpt2_WritesAHuggingFaceFolderThatLoadsBackBitIdentical()
    {
        using var scope = TensorScope.Begin();
        var spec = new Gpt2Spec();
        var weights = spec.RandomWeights(1);
        var source = WriteCheckpoint("teacher", spec.ConfigJson(), WithoutPrefix(weights, "transformer."));
        var tokenizer = WriteTokenizerFolder("tokenizer", [.. s_tokenizerFiles, "README.md"]);
        using var model = ModelCheckpoint.Load(source);
        var output = Folder("saved");

        var written = ModelCheckpoint.Save(model, output, tokenizer);

        Assert.Equal(["config.json", "generation_config.json", "merges.txt", "model.safetensors", "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json", "vocab.json"],
            Directory.GetFiles(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(Directory.GetFiles(output).Order(StringComparer.Ordinal), written.Order(StringComparer.Ordinal));
        foreach (var name in s_tokenizerFiles)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(tokenizer, name)), File.ReadAllBytes(Path.Combine(output, name)));
        }

        // The weights: GPT2LMHeadModel's names, the tied head stored once (as wte), each tensor as it was loaded.
        using (var file = SafeTensorsFile.Open(Path.Combine(output, "model.safetensors")))
        {
            Assert.Equal("pt", file.Metadata["format"]);
            Assert.Equal(weights.Keys.Order(StringComparer.Ordinal), file.Entries.Select(e => e.Name).Order(StringComparer.Ordinal));
            foreach (var (name, tensor) in weights)
            {
                Assert.True(BitEqual(tensor, file.Read(name)), name);
            }
        }

        var config = ReadConfig(output);
        Assert.Equal("gpt2", (string?)config["model_type"]);
        Assert.Equal("GPT2LMHeadModel", (string?)config["architectures"]![0]);
        Assert.Single(config["architectures"]!.AsArray());
        Assert.Equal(spec.Vocab, (int)config["vocab_size"]!);
        Assert.Equal(spec.Hidden, (int)config["n_embd"]!);
        Assert.Equal(spec.Layers, (int)config["n_layer"]!);
        Assert.Equal(spec.Heads, (int)config["n_head"]!);
        Assert.Equal(spec.Positions, (int)config["n_positions"]!);
        Assert.Null(config["n_inner"]);
        Assert.True((bool)config["tie_word_embeddings"]!);
        Assert.Equal("float32", (string?)config["torch_dtype"]);
        Assert.Equal(1e-5, (double)config["layer_norm_epsilon"]!);
        // Keys Distill does not interpret are kept as they were.
        Assert.Equal("cls_index", (string?)config["summary_type"]);
        Assert.Equal(50, (int)config["task_specific_params"]!["text-generation"]!["max_length"]!);

        using var reloaded = ModelCheckpoint.Load(output);
        AssertSameParameters(model, reloaded);
        var ids = Ids(spec.Vocab, 2, 8, 3);
        Assert.True(BitEqual(model.Forward(ids).Logits!, reloaded.Forward(ids).Logits!));
    }

    [Fact]
    public void Save_ShardedUntiedLlama_RoundTripsEveryTensorAndKeepsTheRopeSpelling()
    {
        using var scope = TensorScope.Begin();
        var spec = new LlamaSpec { Llama3 = true, Spelling = RopeSpelling.RopeParameters, Layers = 3, KvHeads = 1 };
        var weights = spec.RandomWeights(2);
        using var model = ModelCheckpoint.Load(WriteCheckpoint("teacher", spec.ConfigJson(), weights));
        var output = Folder("saved");

        ModelCheckpoint.Save(model, output, maxShardBytes: 12_000);

        Assert.True(File.Exists(Path.Combine(output, "model.safetensors.index.json")));
        Assert.False(File.Exists(Path.Combine(output, "model.safetensors")));
        var stored = ReadAll(output);
        Assert.Equal(weights.Keys.Order(StringComparer.Ordinal), stored.Keys.Order(StringComparer.Ordinal));
        Assert.All(weights, p => Assert.True(BitEqual(p.Value, stored[p.Key]), p.Key));
        foreach (var shard in Directory.GetFiles(output, "model-*.safetensors"))
        {
            using var file = SafeTensorsFile.Open(shard);
            Assert.Equal("pt", file.Metadata["format"]);
        }

        var config = ReadConfig(output);
        Assert.Equal("LlamaForCausalLM", (string?)config["architectures"]![0]);
        Assert.False((bool)config["tie_word_embeddings"]!);
        Assert.Equal(1, (int)config["num_key_value_heads"]!);
        Assert.Equal("llama3", (string?)config["rope_parameters"]!["rope_type"]);
        Assert.Equal(10000, (double)config["rope_parameters"]!["rope_theta"]!);
        Assert.False(config.ContainsKey("rope_theta"));

        using var reloaded = ModelCheckpoint.Load(output);
        AssertSameParameters(model, reloaded);
        Assert.Equal(model.Config.RopeScaling, reloaded.Config.RopeScaling);
    }

    [Fact]
    public void Save_Qwen2_KeepsItsArchitectureAndKeys()
    {
        using var scope = TensorScope.Begin();
        var spec = new LlamaSpec { ModelType = "qwen2", Tied = true };
        using var model = ModelCheckpoint.Load(WriteCheckpoint("teacher", spec.ConfigJson(), spec.RandomWeights(3)));
        var output = Folder("saved");

        ModelCheckpoint.Save(model, output);

        var config = ReadConfig(output);
        Assert.Equal("Qwen2ForCausalLM", (string?)config["architectures"]![0]);
        Assert.False((bool)config["use_sliding_window"]!);
        Assert.Equal(2, config["layer_types"]!.AsArray().Count);
        Assert.False(config.ContainsKey("attention_bias"));
        using var file = SafeTensorsFile.Open(Path.Combine(output, "model.safetensors"));
        Assert.Contains(file.Entries, e => e.Name == "model.layers.0.self_attn.q_proj.bias");
        Assert.DoesNotContain(file.Entries, e => e.Name == "lm_head.weight");
    }

    [Fact]
    public void Save_BFloat16Model_StoresBF16AndSaysSoInTheConfig()
    {
        using var scope = TensorScope.Begin();
        var spec = new LlamaSpec();
        var weights = spec.RandomWeights(4);
        using var model = ModelCheckpoint.Load(WriteCheckpoint("teacher", spec.ConfigJson(), weights), floatDType: DType.BFloat16);
        var output = Folder("saved");

        ModelCheckpoint.Save(model, output);

        Assert.Equal("bfloat16", (string?)ReadConfig(output)["torch_dtype"]);
        var stored = ReadAll(output);
        Assert.All(stored.Values, t => Assert.Equal(DType.BFloat16, t.DType));
        Assert.All(weights, p => Assert.True(BitEqual(p.Value.To(DType.BFloat16), stored[p.Key]), p.Key));
        using var reloaded = ModelCheckpoint.Load(output, floatDType: DType.BFloat16);
        AssertSameParameters(model, reloaded);
    }

    [Fact]
    public void Save_OverAnEarlierShardedSave_LeavesOnlyTheNewFiles()
    {
        using var scope = TensorScope.Begin();
        var spec = new Gpt2Spec();
        using var model = ModelCheckpoint.Load(WriteCheckpoint("teacher", spec.ConfigJson(), spec.RandomWeights(5)));
        var output = Folder("saved");
        ModelCheckpoint.Save(model, output, maxShardBytes: 4096);
        Assert.NotEmpty(Directory.GetFiles(output, "model-*.safetensors"));

        ModelCheckpoint.Save(model, output);

        Assert.Equal(["config.json", "model.safetensors"], Directory.GetFiles(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        using var reloaded = ModelCheckpoint.Load(output);
        AssertSameParameters(model, reloaded);
    }

    [Fact]
    public void Save_TokenizerFolderWithoutATokenizer_FailsBeforeWritingAnything()
    {
        using var scope = TensorScope.Begin();
        var spec = new Gpt2Spec();
        using var model = ModelCheckpoint.Load(WriteCheckpoint("teacher", spec.ConfigJson(), spec.RandomWeights(6)));
        var tokenizer = WriteTokenizerFolder("not-a-tokenizer", "README.md");
        var output = Folder("saved");

        var error = Assert.Throws<ModelCheckpointException>(() => ModelCheckpoint.Save(model, output, tokenizer));

        Assert.Equal(tokenizer, error.FilePath);
        Assert.Contains("holds no tokenizer", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }
}
