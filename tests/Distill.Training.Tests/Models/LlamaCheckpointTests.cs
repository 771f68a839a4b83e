using Distill.Contracts.Models;
using Distill.Torch;
using Distill.Training.Models;

namespace Distill.Training.Tests.Models;

/// <summary>Llama, Qwen2 and Mistral checkpoints in the Hugging Face layout load and compute what the longhand reference computes.</summary>
public sealed class LlamaCheckpointTests : ModelTestFolder
{
    private const double Tolerance = 1e-5;

    private void AssertLoadsToReference(LlamaSpec spec, ulong seed, long length = 9, Func<Dictionary<string, Tensor>, Dictionary<string, Tensor>>? store = null, long maxShardBytes = long.MaxValue)
    {
        using var scope = TensorScope.Begin();
        var weights = spec.RandomWeights(seed);
        var folder = WriteCheckpoint($"{spec.ModelType}-{seed}", spec.ConfigJson(), store is null ? weights : store(weights), maxShardBytes);

        using var model = ModelCheckpoint.Load(folder);
        var ids = Ids(spec.Vocab, 2, length, seed + 100);
        var logits = model.Forward(ids).Logits!;
        var reference = ReferenceForward.Llama(spec, weights, ids);

        Assert.IsType<LlamaForCausalLM>(model);
        Assert.Equal(spec.ModelType, model.Config.ModelType);
        Assert.Equal([2L, length, spec.Vocab], logits.Shape);
        Assert.True(reference.Logits.Std(-1).Mean().ToDouble() > 0.5);
        Assert.InRange(MaxAbsDiff(logits, reference.Logits), 0, Tolerance);
    }

    [Fact]
    public void Load_GroupedQueryUntiedHeadRopeTheta_GivesTheReferenceLogits() =>
        AssertLoadsToReference(new LlamaSpec { Heads = 4, KvHeads = 2, Theta = 500000, Tied = false }, seed: 1);

    [Theory]
    [InlineData(RopeSpelling.RopeThetaAndScaling)]
    [InlineData(RopeSpelling.LegacyScalingType)]
    [InlineData(RopeSpelling.RopeParameters)]
    public void Load_Llama3RopeScalingInEverySpelling_GivesTheReferenceLogits(RopeSpelling spelling) =>
        AssertLoadsToReference(new LlamaSpec { Llama3 = true, Theta = 10000, Spelling = spelling, Layers = 1 }, seed: 2, length: 16);

    [Fact]
    public void Load_RopeParametersWithoutScaling_ReadsTheTheta()
    {
        var spec = new LlamaSpec { Theta = 50, Spelling = RopeSpelling.RopeParameters, Layers = 1 };
        AssertLoadsToReference(spec, seed: 3, length: 16);
        Assert.Equal(50, ModelConfig.Parse(spec.ConfigJson(), "config.json").RopeTheta);
    }

    [Fact]
    public void Load_Qwen2TiedHeadWithQkvBiases_GivesTheReferenceLogits() =>
        AssertLoadsToReference(new LlamaSpec { ModelType = "qwen2", Tied = true, Heads = 4, KvHeads = 1, Vocab = 90 }, seed: 4);

    [Fact]
    public void Load_LlamaWithAttentionBias_GivesTheReferenceLogits() =>
        AssertLoadsToReference(new LlamaSpec { AttentionBias = true, KvHeads = 4 }, seed: 5);

    [Fact]
    public void Load_MistralSlidingWindowAndExplicitHeadDim_GivesTheReferenceLogits() =>
        AssertLoadsToReference(new LlamaSpec { ModelType = "mistral", SlidingWindow = 4, HeadDim = 16, Heads = 4, KvHeads = 2 }, seed: 6, length: 12);

    [Fact]
    public void Load_OldCheckpointWithRotaryBuffers_IgnoresThem() =>
        AssertLoadsToReference(new LlamaSpec(), seed: 7, store: weights =>
        {
            var stored = new Dictionary<string, Tensor>(weights);
            for (var l = 0; l < 2; l++)
            {
                stored[$"model.layers.{l}.self_attn.rotary_emb.inv_freq"] = Tensor.FromArray(new[] { 1f, 0.1f, 0.01f, 0.001f });
            }
            return stored;
        });

    [Fact]
    public void Load_BaseModelCheckpointWithoutPrefixTiedHead_GivesTheReferenceLogits() =>
        AssertLoadsToReference(new LlamaSpec { Tied = true }, seed: 8, store: weights => WithoutPrefix(weights, "model."));

    [Fact]
    public void Load_Sharded_GivesTheReferenceLogits() =>
        AssertLoadsToReference(new LlamaSpec { Layers = 3 }, seed: 9, maxShardBytes: 10_000);

    [Fact]
    public void Forward_HiddenStatesAndAttentionsRequested_MatchTheReferencePerLayer()
    {
        using var scope = TensorScope.Begin();
        var spec = new LlamaSpec { Layers = 3, Heads = 4, KvHeads = 2, Llama3 = true };
        var weights = spec.RandomWeights(10);
        using var model = ModelCheckpoint.Load(WriteCheckpoint("llama", spec.ConfigJson(), weights));
        var ids = Ids(spec.Vocab, 2, 10, 11);

        var output = model.Forward(ids, new ForwardOptions { HiddenStates = true, Attentions = true });
        var reference = ReferenceForward.Llama(spec, weights, ids);

        Assert.Equal(spec.Layers + 1, output.HiddenStates!.Count);
        Assert.Equal(spec.Layers, output.Attentions!.Count);
        for (var i = 0; i <= spec.Layers; i++)
        {
            AssertCloseRelative(output.HiddenStates[i], reference.HiddenStates[i], Tolerance);
        }
        for (var l = 0; l < spec.Layers; l++)
        {
            // One map per query head, not per key/value head.
            Assert.Equal([2L, spec.Heads, 10, 10], output.Attentions[l].Shape);
            Assert.InRange(MaxAbsDiff(output.Attentions[l], reference.Attentions[l]), 0, Tolerance);
        }
        Assert.InRange(MaxAbsDiff(output.Logits!, reference.Logits), 0, Tolerance);
    }

    [Fact]
    public void InverseFrequencies_Llama3_MatchTheReferenceInEveryBand()
    {
        var spec = new LlamaSpec { Llama3 = true, Theta = 10000, Hidden = 32, Heads = 4 };
        var config = ModelConfig.Parse(spec.ConfigJson(), "config.json");

        var actual = RotaryEmbedding.InverseFrequencies(config.HeadDim, config.RopeTheta, config.RopeScaling);
        var expected = ReferenceForward.InverseFrequencies(spec);

        // Wavelengths 2π, 20π, 200π, 2000π against the thresholds 16 and 64: kept, blended, divided, divided.
        Assert.Equal(1.0, expected[0], 12);
        Assert.NotEqual(0.1, expected[1], 6);
        Assert.NotEqual(0.1 / LlamaSpec.Llama3Factor, expected[1], 6);
        Assert.Equal(0.01 / LlamaSpec.Llama3Factor, expected[2], 12);
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-7 * expected[i]);
        }
    }
}
