using Distill.Contracts.Models;
using Distill.Torch.Nn;
using Distill.Torch;
using Distill.Training.Models;

namespace Distill.Training.Tests.Evaluation;

/// <summary>
/// Tiny GPT-2 models whose logits are known exactly. Every transformer block is zeroed (its attention and MLP add
/// nothing to the residual stream), so the final hidden state is ln_f(wte[token]) and the head decides the rest.
/// </summary>
internal static class RiggedModels
{
    public static ModelConfig Config(int vocab, int hidden, int maxPositions = 16, double dropout = 0) => new()
    {
        ModelType = "gpt2",
        VocabSize = vocab,
        HiddenSize = hidden,
        NumLayers = 1,
        NumHeads = 2,
        NumKeyValueHeads = 2,
        HeadDim = hidden / 2,
        IntermediateSize = 8,
        MaxPositions = maxPositions,
        NormEps = 1e-5,
        Activation = "gelu_new",
        TieWordEmbeddings = false,
        QkvBias = true,
        AttentionOutputBias = true,
        MlpBias = true,
        EmbeddingDropout = dropout,
        ResidualDropout = dropout,
        AttentionDropout = dropout,
    };

    /// <summary>Gives <paramref name="logits"/> at every position, whatever the input.</summary>
    public static CausalLanguageModel ConstantLogits(params float[] logits)
    {
        var vocab = logits.Length;
        var hidden = Even(vocab);
        var model = Zeroed(Config(vocab, hidden));
        // ln_f with weight 0 outputs its bias; the head copies the bias's first V entries.
        var bias = new float[hidden];
        logits.CopyTo(bias, 0);
        Set(model, "transformer.ln_f.bias", bias);
        Set(model, "lm_head.weight", Matrix(vocab, hidden, (row, column) => row == column ? 1 : 0));
        return model;
    }

    /// <summary>Logits all zero: the uniform distribution over <paramref name="vocab"/> tokens.</summary>
    public static CausalLanguageModel Uniform(int vocab) => Zeroed(Config(vocab, 8));

    /// <summary>Always most likely next: the token after the current one, (id + 1) mod V; the margin is large.</summary>
    public static CausalLanguageModel Successor(int vocab, int maxPositions = 16)
    {
        var hidden = Even(vocab);
        var model = Zeroed(Config(vocab, hidden, maxPositions));
        // wte[i] = 10·e_i, so ln_f(wte[i]) peaks at component i; head row (i + 1) mod V reads component i.
        Set(model, "transformer.wte.weight", Matrix(vocab, hidden, (row, column) => row == column ? 10 : 0));
        Set(model, "transformer.ln_f.weight", Enumerable.Repeat(1f, hidden).ToArray());
        Set(model, "lm_head.weight", Matrix(vocab, hidden, (row, column) => column == (row + vocab - 1) % vocab ? 1 : 0));
        return model;
    }

    /// <summary>A randomly initialised model with a head of standard deviation 1, so its distributions are far from uniform.</summary>
    public static CausalLanguageModel Random(int vocab, ulong seed, int hidden = 16, int maxPositions = 16, double dropout = 0)
    {
        var model = CausalLanguageModel.CreateInitialized(Config(vocab, hidden, maxPositions, dropout), seed);
        using var generator = new Generator(seed + 1000);
        Init.Normal(model.StateDict()["lm_head.weight"], 0, 1, generator);
        return model;
    }

    private static CausalLanguageModel Zeroed(ModelConfig config)
    {
        var model = CausalLanguageModel.Create(config);
        foreach (var parameter in model.Parameters())
        {
            Init.Constant(parameter, 0);
        }
        return model;
    }

    private static void Set(CausalLanguageModel model, string name, float[] values)
    {
        var target = model.StateDict()[name];
        using var scope = TensorScope.Begin();
        using var noGrad = TorchRuntime.NoGrad();
        target.CopyFrom(Tensor.FromArray(values, target.Shape));
    }

    private static float[] Matrix(int rows, int columns, Func<int, int, float> value)
    {
        var result = new float[rows * columns];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                result[r * columns + c] = value(r, c);
            }
        }
        return result;
    }

    private static int Even(int n) => n % 2 == 0 ? n : n + 1;
}
