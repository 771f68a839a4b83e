using Distill.Bench.Measurement;
using Distill.Contracts.Models;
using Distill.Torch.Optim;
using Distill.Torch;
using Distill.Training.Models;

namespace Distill.Bench.Engine;

/// <summary>Distill's side of the engine suite, written as real code uses the engine (a TensorScope per step).</summary>
public static class DistillCases
{
    private static readonly IReadOnlyDictionary<string, double> NoResults = new Dictionary<string, double>();

    /// <summary>One n×n·n×n fp32 matrix product per run.</summary>
    public static LocalSide Sgemm(int n)
    {
        var scope = TensorScope.Begin();
        using var generator = new Generator(1);
        var a = Tensor.Randn([n, n], generator);
        var b = Tensor.Randn([n, n], generator);
        return new LocalSide(() =>
        {
            using (TensorScope.Begin())
            {
                a.MatMul(b);
            }
        }, () => NoResults, scope);
    }

    /// <summary><paramref name="iterations"/> runs of <see cref="OpChain"/> per run, each in its own TensorScope.</summary>
    public static LocalSide Chain(int elements, int iterations)
    {
        var scope = TensorScope.Begin();
        var (a, b, c) = OpChain.Inputs(elements);
        return new LocalSide(() =>
        {
            for (var i = 0; i < iterations; i++)
            {
                using (TensorScope.Begin())
                {
                    OpChain.Run(a, b, c);
                }
            }
        }, () =>
        {
            using (TensorScope.Begin())
            {
                return new Dictionary<string, double> { ["checksum"] = OpChain.Run(a, b, c).To(DType.Float64).Sum().ToDouble() };
            }
        }, scope);
    }

    /// <summary>
    /// One training step of a GPT-2 per run (forward, cross-entropy, backward, clip, AdamW, zero-grad), as
    /// `distill demo` trains one, with dropout off.
    /// </summary>
    public static LocalSide Train(TrainingSize size, TrainingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(size);
        ArgumentNullException.ThrowIfNull(settings);
        var config = new ModelConfig
        {
            ModelType = "gpt2",
            VocabSize = size.Vocab,
            HiddenSize = size.Hidden,
            NumLayers = size.Layers,
            NumHeads = size.Heads,
            NumKeyValueHeads = size.Heads,
            HeadDim = size.Hidden / size.Heads,
            IntermediateSize = 4 * size.Hidden,
            MaxPositions = size.Context,
            NormEps = 1e-5,
            Activation = "gelu_new",
            TieWordEmbeddings = true,
            QkvBias = true,
            AttentionOutputBias = true,
            MlpBias = true,
            EmbeddingDropout = 0,
            ResidualDropout = 0,
            AttentionDropout = 0,
        };
        var model = CausalLanguageModel.CreateInitialized(config, (ulong)settings.Seed);
        model.Train();
        var optimizer = AdamW.ForModule(model, settings.LearningRate, settings.WeightDecay, settings.Beta1, settings.Beta2, settings.Eps);
        var parameters = optimizer.Parameters.ToArray();
        var data = TensorScope.Begin();
        using var generator = new Generator((ulong)settings.Seed);
        // Learnable data (the next token is the current one plus 1), so the loss visibly falls from ln(vocab).
        var batches = Enumerable.Range(0, settings.Batches)
            .Select(_ => Tensor.RandInt(0, size.Vocab, [size.Batch, size.Context], generator))
            .Select(ids => (Ids: ids, Target: (ids + 1) % size.Vocab))
            .ToArray();
        var losses = new List<double>();
        return new LocalSide(() =>
        {
            using (TensorScope.Begin())
            {
                var (ids, target) = batches[losses.Count % batches.Length];
                var logits = model.Forward(ids).Logits!;
                var loss = Functional.CrossEntropy(logits.View(-1, size.Vocab), target.View(-1));
                loss.Backward();
                Functional.ClipGradNorm(parameters, settings.Clip);
                optimizer.Step();
                optimizer.ZeroGrad();
                losses.Add(loss.ToDouble());
            }
        }, () => new Dictionary<string, double>
        {
            ["parameters"] = model.ParameterCount(),
            ["first_loss"] = losses[0],
            ["check_loss"] = losses[size.CheckStep - 1],
        }, model, optimizer, data);
    }
}
