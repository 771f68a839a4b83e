using Distill.Torch;
using Distill.Training.Models;

namespace Distill.Training.Tests.Models;

/// <summary>GPT-2 checkpoints in the Hugging Face layouts load and compute what the longhand reference computes.</summary>
public sealed class Gpt2CheckpointTests : ModelTestFolder
{
    private const double Tolerance = 1e-5;

    private static void AssertMatchesReference(CausalLanguageModel model, Gpt2Spec spec, Dictionary<string, Tensor> weights, ulong idsSeed = 5)
    {
        var ids = Ids(spec.Vocab, 2, 9, idsSeed);
        var logits = model.Forward(ids).Logits!;
        var reference = ReferenceForward.Gpt2(spec, weights, ids);
        Assert.Equal([2L, 9, spec.Vocab], logits.Shape);
        // The comparison means something only if the logits are far from uniform.
        Assert.True(reference.Logits.Std(-1).Mean().ToDouble() > 0.5);
        Assert.InRange(MaxAbsDiff(logits, reference.Logits), 0, Tolerance);
    }

    [Fact]
    public void Load_TransformerPrefixTiedHead_GivesTheReferenceLogits()
    {
        using var scope = TensorScope.Begin();
        var spec = new Gpt2Spec();
        var weights = spec.RandomWeights(1);
        Assert.DoesNotContain("lm_head.weight", weights.Keys);
        var folder = WriteCheckpoint("gpt2", spec.ConfigJson(), weights);

        using var model = ModelCheckpoint.Load(folder);

        Assert.IsType<Gpt2ForCausalLM>(model);
        Assert.False(model.IsTraining);
        Assert.Same(model.TokenEmbeddingWeight, model.HeadWeight);
        AssertMatchesReference(model, spec, weights);
    }

    [Fact]
    public void Load_OriginalGpt2LayoutWithoutPrefixAndWithMaskBuffers_GivesTheReferenceLogits()
    {
        using var scope = TensorScope.Begin();
        var spec = new Gpt2Spec { Layers = 3 };
        var weights = spec.RandomWeights(2);
        // The original gpt2 checkpoint: GPT2Model names (no "transformer.") and each block's mask buffers.
        var stored = WithoutPrefix(weights, "transformer.");
        for (var l = 0; l < spec.Layers; l++)
        {
            stored[$"h.{l}.attn.bias"] = Tensor.Ones([spec.Positions, spec.Positions]).Tril().View(1, 1, spec.Positions, spec.Positions);
            stored[$"h.{l}.attn.masked_bias"] = Tensor.Scalar(-1e4);
        }
        Assert.Contains("wte.weight", stored.Keys);
        var folder = WriteCheckpoint("gpt2-base", spec.ConfigJson(), stored);

        using var model = ModelCheckpoint.Load(folder);

        AssertMatchesReference(model, spec, weights);
    }

    [Fact]
    public void Load_ShardedUntiedHeadWithInnerSize_GivesTheReferenceLogits()
    {
        using var scope = TensorScope.Begin();
        var spec = new Gpt2Spec { Tied = false, Inner = 48, Vocab = 61 };
        var weights = spec.RandomWeights(3);
        var folder = WriteCheckpoint("gpt2-sharded", spec.ConfigJson(), weights, maxShardBytes: 8192);
        Assert.True(File.Exists(Path.Combine(folder, "model.safetensors.index.json")));
        Assert.True(Directory.GetFiles(folder, "model-*-of-*.safetensors").Length > 2);

        using var model = ModelCheckpoint.Load(folder);

        Assert.NotSame(model.TokenEmbeddingWeight, model.HeadWeight);
        AssertMatchesReference(model, spec, weights);
    }

    [Fact]
    public void Load_TiedCheckpointStoringTheHeadAsACopyOfTheEmbedding_Loads()
    {
        using var scope = TensorScope.Begin();
        var spec = new Gpt2Spec();
        var weights = spec.RandomWeights(4);
        var stored = new Dictionary<string, Tensor>(weights) { ["lm_head.weight"] = weights["transformer.wte.weight"].Clone() };
        var folder = WriteCheckpoint("gpt2-head-copy", spec.ConfigJson(), stored);

        using var model = ModelCheckpoint.Load(folder);

        AssertMatchesReference(model, spec, weights);
    }

    [Fact]
    public void Forward_HiddenStatesAndAttentionsRequested_MatchTheReferencePerLayer()
    {
        using var scope = TensorScope.Begin();
        var spec = new Gpt2Spec { Layers = 3 };
        var weights = spec.RandomWeights(6);
        using var model = ModelCheckpoint.Load(WriteCheckpoint("gpt2", spec.ConfigJson(), weights));
        var ids = Ids(spec.Vocab, 2, 11, 8);

        var output = model.Forward(ids, new ForwardOptions { HiddenStates = true, Attentions = true });
        var reference = ReferenceForward.Gpt2(spec, weights, ids);

        Assert.Equal(spec.Layers + 1, output.HiddenStates!.Count);
        Assert.Equal(spec.Layers, output.Attentions!.Count);
        for (var i = 0; i <= spec.Layers; i++)
        {
            AssertCloseRelative(output.HiddenStates[i], reference.HiddenStates[i], Tolerance);
        }
        for (var l = 0; l < spec.Layers; l++)
        {
            Assert.Equal([2L, spec.Heads, 11, 11], output.Attentions[l].Shape);
            Assert.InRange(MaxAbsDiff(output.Attentions[l], reference.Attentions[l]), 0, Tolerance);
        }
        Assert.InRange(MaxAbsDiff(output.Logits!, reference.Logits), 0, Tolerance);
    }
}
