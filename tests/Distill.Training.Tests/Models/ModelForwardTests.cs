using Distill.Contracts.Models;
using Distill.Torch;
using Distill.Training.Models;

namespace Distill.Training.Tests.Models;

/// <summary>The forward contract: logits always (unless turned off), hidden states and attentions only on request.</summary>
public sealed class ModelForwardTests
{
    public static TheoryData<string> Families => ["gpt2", "llama"];

    private static CausalLanguageModel Create(string family, int layers = 2)
    {
        var json = family == "gpt2" ? new Gpt2Spec { Layers = layers }.ConfigJson() : new LlamaSpec { Layers = layers }.ConfigJson();
        var model = CausalLanguageModel.CreateInitialized(ModelConfig.Parse(json, "config.json"), seed: 3);
        model.Eval();
        return model;
    }

    private static Tensor Ids(CausalLanguageModel model, long length = 7)
    {
        using var g = new Generator(4);
        return Tensor.RandInt(0, model.Config.VocabSize, [2, length], g);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Forward_NothingRequested_ReturnsLogitsButNoHiddenStatesOrAttentions(string family)
    {
        using var scope = TensorScope.Begin();
        using var model = Create(family);

        var output = model.Forward(Ids(model));

        Assert.Equal([2L, 7, model.Config.VocabSize], output.Logits!.Shape);
        Assert.Equal([2L, 7, model.Config.HiddenSize], output.FinalHidden.Shape);
        Assert.Null(output.HiddenStates);
        Assert.Null(output.Attentions);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Forward_LogitsTurnedOff_ReturnsTheFinalHiddenThatTheHeadTurnsIntoTheSameLogits(string family)
    {
        using var scope = TensorScope.Begin();
        using var model = Create(family);
        var ids = Ids(model);

        var withoutLogits = model.Forward(ids, new ForwardOptions { Logits = false });
        var full = model.Forward(ids);

        Assert.Null(withoutLogits.Logits);
        Assert.Equal(full.Logits!.ToArray<float>(), model.Head(withoutLogits.FinalHidden).ToArray<float>());
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Forward_AttentionsRequested_GivesCausalProbabilitiesAndTheSameLogits(string family)
    {
        using var scope = TensorScope.Begin();
        using var model = Create(family, layers: 3);
        var ids = Ids(model);

        var plain = model.Forward(ids);
        var output = model.Forward(ids, new ForwardOptions { Attentions = true, HiddenStates = true });

        Assert.Equal(4, output.HiddenStates!.Count);
        Assert.Equal(3, output.Attentions!.Count);
        foreach (var probabilities in output.Attentions)
        {
            Assert.Equal([2L, model.Config.NumHeads, 7, 7], probabilities.Shape);
            Assert.True((probabilities.Sum(-1) - 1).Abs().Max().ToDouble() < 1e-5);
            Assert.Equal(0, probabilities.Triu(1).Abs().Max().ToDouble());
        }
        Assert.True((output.Logits! - plain.Logits!).Abs().Max().ToDouble() < 1e-5);
        Assert.Equal(plain.FinalHidden.Shape, output.HiddenStates[^1].Shape);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Forward_NothingRequested_BuildsNoAttentionMaps(string family)
    {
        using var scope = TensorScope.Begin();
        using var model = Create(family, layers: 3);
        var ids = Ids(model);
        int plain, requested;

        using (var inner = TensorScope.Begin())
        {
            model.Forward(ids, new ForwardOptions { Logits = false });
            plain = inner.Count;
        }
        using (var inner = TensorScope.Begin())
        {
            model.Forward(ids, new ForwardOptions { Logits = false, Attentions = true });
            requested = inner.Count;
        }

        // The attention path hands out one [B, H, T, T] map per layer; without the request none is made.
        Assert.Equal(3, requested - plain);
    }
}
