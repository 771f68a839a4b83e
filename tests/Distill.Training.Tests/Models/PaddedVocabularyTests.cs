using Distill.Contracts.Models;
using Distill.Torch;
using Distill.Training.Models;

namespace Distill.Training.Tests.Models;

/// <summary>An embedding padded beyond the tokenizer's vocabulary: the padding rows never get a logit.</summary>
public sealed class PaddedVocabularyTests
{
    private const int Rows = 40;
    private const int Tokens = 32;

    public static TheoryData<string> Families => ["gpt2", "llama"];

    private static CausalLanguageModel Create(string family)
    {
        var json = family == "gpt2" ? new Gpt2Spec { Vocab = Rows }.ConfigJson() : new LlamaSpec { Vocab = Rows, Tied = false }.ConfigJson();
        var model = CausalLanguageModel.CreateInitialized(ModelConfig.Parse(json, "config.json"), seed: 5);
        model.Eval();
        return model;
    }

    private static Tensor Ids(long batch, long length)
    {
        using var g = new Generator(6);
        return Tensor.RandInt(0, Tokens, [batch, length], g);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void OutputVocabSize_SmallerThanTheEmbedding_LogitsCoverOnlyTheUsableIds(string family)
    {
        using var scope = TensorScope.Begin();
        using var model = Create(family);
        var ids = Ids(2, 6);
        Assert.Equal(Rows, model.OutputVocabSize);
        var full = model.Forward(ids).Logits!;

        model.OutputVocabSize = Tokens;
        var output = model.Forward(ids);

        Assert.Equal([2L, 6, Tokens], output.Logits!.Shape);
        Assert.Equal([2L, 6, Tokens], model.Head(output.FinalHidden).Shape);
        Assert.Equal(full.Narrow(-1, 0, Tokens).Contiguous().ToArray<float>(), output.Logits.Contiguous().ToArray<float>());
        Assert.Equal([Rows, (long)model.Config.HiddenSize], model.HeadWeight.Shape);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void OutputVocabSize_Training_PaddingRowsOfTheHeadGetNoGradient(string family)
    {
        using var scope = TensorScope.Begin();
        using var model = Create(family);
        model.OutputVocabSize = Tokens;
        var ids = Ids(2, 8);

        var logits = model.Forward(ids).Logits!;
        var logProbabilities = logits.LogSoftmax(-1, DType.Float32);
        var targets = ids.Narrow(1, 1, 7).Reshape(-1);
        var loss = Functional.CrossEntropy(logits.Narrow(1, 0, 7).Reshape(-1, Tokens), targets);
        loss.Backward();

        var gradient = model.HeadWeight.Grad!;
        Assert.Equal(0, gradient.Narrow(0, Tokens, Rows - Tokens).Abs().Max().ToDouble());
        Assert.True(gradient.Narrow(0, 0, Tokens).Abs().Max().ToDouble() > 0);
        // The softmax is over the usable ids only: their probabilities sum to one.
        Assert.True((logProbabilities.Exp().Sum(-1) - 1).Abs().Max().ToDouble() < 1e-5);
    }

    [Fact]
    public void OutputVocabSize_OutsideTheEmbedding_IsRejectedAndTheFullSizeResets()
    {
        using var model = Create("gpt2");

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.OutputVocabSize = Rows + 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.OutputVocabSize = 0);
        model.OutputVocabSize = Tokens;
        model.OutputVocabSize = Rows;

        Assert.Contains("vocab_size (40)", error.Message, StringComparison.Ordinal);
        Assert.Equal(Rows, model.OutputVocabSize);
    }
}
