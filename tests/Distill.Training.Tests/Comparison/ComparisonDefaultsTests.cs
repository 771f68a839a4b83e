using Distill.Contracts.Methods;
using Distill.Contracts.Models;
using Distill.Training.Comparison;
using Distill.Training.Models;

namespace Distill.Training.Tests.Comparison;

public sealed class ComparisonDefaultsTests
{
    private static ModelConfig Gpt2(int layers, int hidden, int heads, int vocab = 4096) => new()
    {
        ModelType = "gpt2", VocabSize = vocab, HiddenSize = hidden, NumLayers = layers, NumHeads = heads, NumKeyValueHeads = heads, HeadDim = hidden / heads,
        IntermediateSize = 4 * hidden, MaxPositions = 128, NormEps = 1e-5, Activation = "gelu_new", TieWordEmbeddings = true,
        QkvBias = true, AttentionOutputBias = true, MlpBias = true,
    };

    [Fact]
    public void QuarterShape_Gpt2_HalvesLayersAndWidthKeepingTheHeads()
    {
        var teacher = Gpt2(4, 128, 4);

        var config = StudentBuilder.CreateConfig(teacher, ComparisonDefaults.QuarterShape(teacher));

        Assert.Equal((2, 64, 4, 256), (config.NumLayers, config.HiddenSize, config.NumHeads, config.IntermediateSize));
        // The parameters: the layers fall to an eighth, the tied 4096-row embedding only to a half.
        using var teacherModel = CausalLanguageModel.Create(teacher);
        using var studentModel = CausalLanguageModel.Create(config);
        Assert.InRange((double)studentModel.ParameterCount() / teacherModel.ParameterCount(), 0.25, 0.3);
    }

    [Fact]
    public void QuarterShape_HeadsThatDoNotDivideTheHalfWidth_AreHalved()
    {
        var llama = Gpt2(3, 48, 6) with { ModelType = "llama", NumKeyValueHeads = 2, Activation = "silu", QkvBias = false, AttentionOutputBias = false, MlpBias = false };

        var shape = ComparisonDefaults.QuarterShape(llama);

        // 24 / 6 = 4 is even, so rotary embeddings take 6 heads; 2 key/value heads divide them.
        Assert.Equal(new StudentShape { Layers = 1, HiddenSize = 24, Heads = 6, KeyValueHeads = 2 }, shape);
        Assert.Equal(3, ComparisonDefaults.QuarterShape(Gpt2(2, 24, 3)).Heads);
        Assert.Equal(2, ComparisonDefaults.QuarterShape(Gpt2(2, 20, 4)).Heads);
    }

    [Fact]
    public void AllMethods_EveryMethodNameWithAValidSection()
    {
        var methods = ComparisonDefaults.AllMethods();

        Assert.Equal(MethodNames.All, methods.Select(m => m.Name));
        Assert.All(methods, m => Assert.Empty(m.Validate(2, 4)));
        Assert.Throws<ArgumentException>(() => ComparisonDefaults.Method("distill"));
    }
}
