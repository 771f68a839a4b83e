using Distill.Contracts.Methods;
using Distill.Contracts.Models;
using Distill.Torch;
using Distill.Training.Data;
using Distill.Training.Distillation;
using Distill.Training.Models;
using Distill.Training.Trainers;

namespace Distill.Training.Tests.Distillation;

/// <summary>
/// Tiny teacher/student pairs (teacher: hidden 32, 4 layers; student: hidden 16, 2 layers), a batch with a chat-style
/// prompt and right padding, and the objective's loss recomputed unchunked from the term functions.
/// </summary>
internal static class TinyDistillation
{
    public const int Vocab = 60;
    public const int Length = 12;

    /// <summary>The method sections every objective test runs: each method, with non-default settings too.</summary>
    public static readonly string[] Methods =
    [
        """{"name": "ce"}""",
        """{"name": "kd", "temperature": 2, "weights": {"ce": 0.5, "kd": 1.5}}""",
        """{"name": "reverse-kl", "temperature": 1.5}""",
        """{"name": "atkd"}""",
        """{"name": "atkd", "atkd": {"setting": "reverse", "lambda": 0.3, "hardFraction": 0.4}, "weights": {"ce": 0.25}}""",
        """{"name": "lwd", "weights": {"hidden": 3}}""",
        """{"name": "feature-alignment"}""",
        """{"name": "feature-alignment", "featureAlignment": {"hiddenLoss": "cosine", "layerPairs": [{"student": 1, "teacher": 3}, {"student": 2, "teacher": 4}]}, "weights": {"attention": 2}}""",
        """{"name": "ted", "weights": {"hidden": 5}}""",
        """{"name": "ted", "ted": {"filterWidth": 24, "nonlinear": true, "teacherInterval": 4}, "weights": {"kd": 0.7, "hidden": 2}}""",
    ];

    public static ModelConfig TeacherConfig(string family, int vocab = Vocab, int positions = Length, double dropout = 0) => family == "llama"
        ? new ModelConfig
        {
            ModelType = "llama", VocabSize = vocab, HiddenSize = 32, NumLayers = 4, NumHeads = 4, NumKeyValueHeads = 2, HeadDim = 8,
            IntermediateSize = 48, MaxPositions = positions, NormEps = 1e-6, Activation = "silu", TieWordEmbeddings = false,
            AttentionDropout = dropout,
        }
        : new ModelConfig
        {
            ModelType = "gpt2", VocabSize = vocab, HiddenSize = 32, NumLayers = 4, NumHeads = 4, NumKeyValueHeads = 4, HeadDim = 8,
            IntermediateSize = 64, MaxPositions = positions, NormEps = 1e-5, Activation = "gelu_new", TieWordEmbeddings = true,
            QkvBias = true, AttentionOutputBias = true, MlpBias = true,
            EmbeddingDropout = dropout, ResidualDropout = dropout, AttentionDropout = dropout,
        };

    public static ModelConfig StudentConfig(string family, int vocab = Vocab, int positions = Length, double dropout = 0) =>
        TeacherConfig(family, vocab, positions, dropout) with
        {
            HiddenSize = 16,
            NumLayers = 2,
            NumHeads = 2,
            NumKeyValueHeads = family == "llama" ? 1 : 2,
            IntermediateSize = 32,
        };

    public static CausalLanguageModel Model(ModelConfig config, ulong seed) => CausalLanguageModel.CreateInitialized(config, seed, Device.Cpu);

    /// <summary>
    /// 2 rows of 12: row 0 starts with a 3-token prompt (targets −100), row 1 ends with 3 padding positions (targets −100):
    /// 18 counted targets. <paramref name="tailIds"/> fills row 1's padded inputs (anything: nothing may read it).
    /// </summary>
    public static TokenBatch Batch(ulong seed = 5, long tailIds = 0)
    {
        var random = new DeterministicRandom(seed);
        var inputs = new long[2 * Length];
        var targets = new long[2 * Length];
        for (var i = 0; i < inputs.Length; i++)
        {
            var (row, column) = (i / Length, i % Length);
            var padding = row == 1 && column >= Length - 3;
            inputs[i] = padding ? tailIds : random.NextInt64(Vocab);
            targets[i] = (row == 0 && column < 3) || padding ? TokenBatch.IgnoreIndex : random.NextInt64(Vocab);
        }
        return new TokenBatch(
            Tensor.FromArray(inputs, 2, Length).DetachFromScope(),
            Tensor.FromArray(targets, 2, Length).DetachFromScope(),
            [0, 1],
            targets.Count(t => t != TokenBatch.IgnoreIndex),
            cursorAfter: null);
    }

    public static MicroBatchContext Context(double lossScale = 1) => new()
    {
        LossScale = lossScale,
        Step = 0,
        TotalSteps = 1,
        MicroBatch = 0,
        Device = Device.Cpu,
        UseAutocast = false,
    };

    /// <summary>A teacher and student of one family with TED filters when the method is TED; disposes everything.</summary>
    public sealed class Pair : IDisposable
    {
        public Pair(string family, MethodOptions method, ulong seed = 11, int vocab = Vocab, int positions = Length, double studentDropout = 0)
        {
            Teacher = Model(TeacherConfig(family, vocab, positions), seed);
            Student = Model(StudentConfig(family, vocab, positions, studentDropout), seed + 1);
            if (method.Name == MethodNames.Ted)
            {
                StudentFilters = TedFilterLayout.For(ModelRole.Student, method, Student.Config, Teacher.Config).CreateFilters(seed + 2);
                TeacherFilters = TedFilterLayout.For(ModelRole.Teacher, method, Student.Config, Teacher.Config).CreateFilters(seed + 3);
            }
        }

        public CausalLanguageModel Teacher { get; }

        public CausalLanguageModel Student { get; }

        public TaskAwareFilterSet? StudentFilters { get; }

        public TaskAwareFilterSet? TeacherFilters { get; }

        public DistillationObjective Objective(MethodOptions method, int chunkTokens, ulong seed = 3) =>
            new(Student, Teacher, method, StudentFilters, TeacherFilters, chunkTokens, seed);

        public void Dispose()
        {
            Teacher.Dispose();
            Student.Dispose();
            StudentFilters?.Dispose();
            TeacherFilters?.Dispose();
        }
    }

    /// <summary>
    /// The objective's loss recomputed without chunks: full logits from the forward passes, each term from its function
    /// over [B, T, V] averaged with <see cref="TokenMask.MaskedMean"/>, the weighted sum, and its backward (times
    /// <paramref name="lossScale"/>). Returns the loss and each term.
    /// </summary>
    public static (double Loss, Dictionary<string, double> Terms) Unchunked(Pair pair, MethodOptions method, TokenBatch batch,
        LayerProjectionSet? projections, double lossScale = 1)
    {
        using var scope = TensorScope.Begin();
        var w = method.EffectiveWeights();
        var temperature = method.EffectiveTemperature;
        var options = new ForwardOptions { HiddenStates = w.Hidden > 0, Attentions = w.Attention > 0 };
        var student = pair.Student.Forward(batch.InputIds, options);
        ModelOutput teacher;
        using (TorchRuntime.NoGrad())
        {
            teacher = pair.Teacher.Forward(batch.InputIds, options);
        }
        var mask = TokenMask.FromTargets(batch.Targets);
        var s = student.Logits!;
        var t = teacher.Logits!;
        var terms = new Dictionary<string, Tensor>();
        if (w.Ce > 0)
        {
            terms["ce"] = TokenMask.MaskedMean(VocabularyTerms.CrossEntropy(s, batch.Targets), mask);
        }
        if (w.Kd > 0)
        {
            terms["kd"] = TokenMask.MaskedMean(VocabularyTerms.ForwardKl(s, t, temperature, mask), mask);
        }
        if (w.ReverseKl > 0)
        {
            terms["reverseKl"] = TokenMask.MaskedMean(VocabularyTerms.ReverseKl(s, t, temperature, mask), mask);
        }
        if (w.Atkd > 0)
        {
            var atkd = method.EffectiveAtkd;
            terms["atkd"] = Atkd.Loss(s, t, batch.Targets, mask, atkd.Lambda, atkd.HardFraction, atkd.ParsedSetting!.Value);
        }
        var pairs = method.ResolveLayerPairs(pair.Student.Config.NumLayers, pair.Teacher.Config.NumLayers);
        if (w.Hidden > 0)
        {
            var perLayer = new List<Tensor>();
            for (var k = 0; k < pairs.Count; k++)
            {
                var hs = student.HiddenStates![pairs[k].Student];
                var ht = teacher.HiddenStates![pairs[k].Teacher];
                Tensor perToken;
                if (pair.StudentFilters is not null && pair.TeacherFilters is not null)
                {
                    Tensor filtered;
                    using (TorchRuntime.NoGrad())
                    {
                        filtered = pair.TeacherFilters.Forward(k, ht);
                    }
                    perToken = HiddenStateTerms.SquaredError(pair.StudentFilters.Forward(k, hs), filtered, mask);
                }
                else if (method.EffectiveFeatureAlignment.ParsedHiddenLoss == HiddenLossKind.Cosine && method.Name == MethodNames.FeatureAlignment)
                {
                    perToken = HiddenStateTerms.CosineDistance(hs, ht, mask, projections?[k]);
                }
                else
                {
                    perToken = HiddenStateTerms.SquaredError(hs, ht, mask, projections?[k]);
                }
                perLayer.Add(TokenMask.MaskedMean(perToken, mask));
            }
            terms["hidden"] = Tensor.Stack(perLayer.ToArray()).Mean();
        }
        if (w.Attention > 0)
        {
            var perLayer = pairs
                .Select(p => TokenMask.MaskedMean(AttentionTerms.RowKl(teacher.Attentions![p.Teacher - 1], student.Attentions![p.Student - 1], mask), mask))
                .ToArray();
            terms["attention"] = Tensor.Stack(perLayer).Mean();
        }
        var weights = new Dictionary<string, double>
        {
            ["ce"] = w.Ce, ["kd"] = w.Kd, ["reverseKl"] = w.ReverseKl, ["atkd"] = w.Atkd, ["hidden"] = w.Hidden, ["attention"] = w.Attention,
        };
        var total = Tensor.Zeros([]);
        foreach (var (name, value) in terms)
        {
            total += value * weights[name];
        }
        (total * lossScale).Backward();
        return (total.ToDouble(), terms.ToDictionary(p => p.Key, p => p.Value.ToDouble()));
    }

    /// <summary>Every trainable parameter's gradient (zeros when it has none) by checkpoint name; then clears them.</summary>
    public static Dictionary<string, float[]> TakeGradients(ITrainingObjective objective)
    {
        var parameters = objective.TrainableModules.SelectMany(m => m.Module.NamedParameters(m.Prefix + ".")).ToList();
        var result = parameters.ToDictionary(p => p.Key, p =>
        {
            using var grad = p.Value.Grad;
            return grad?.ToArray<float>() ?? new float[p.Value.NumElements];
        });
        Tensor.ZeroGrad([.. parameters.Select(p => p.Value)]);
        return result;
    }

    public static void AssertClose(Dictionary<string, float[]> expected, Dictionary<string, float[]> actual, double tolerance)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, values) in expected)
        {
            var difference = values.Zip(actual[name], (x, y) => Math.Abs(x - y)).DefaultIfEmpty().Max();
            Assert.True(difference <= tolerance, $"{name}: gradients differ by {difference}");
        }
    }
}
