using Distill.Contracts.Methods;
using Distill.Contracts.Models;
using Distill.Torch;
using Distill.Training.Data;
using Distill.Training.Distillation;
using Distill.Training.Models;
using static Distill.Training.Tests.Distillation.TinyDistillation;

namespace Distill.Training.Tests.Distillation;

/// <summary>TED's two objectives on single micro-batches: Stage I per model, Stage II against longhand arithmetic.</summary>
public sealed class TedObjectiveTests
{
    private static readonly MethodOptions s_ted = MethodOptions.FromJson("""{"name": "ted"}""");

    /// <summary>
    /// A teacher of 2 layers (width 8) and a student of 1 layer (width 4), vocabulary 7, one row of 4 with the first target
    /// masked: K = 1 filter pair (student layer 1, teacher layer 2), d_f = 8. Every term is recomputed in doubles from the
    /// models' logits and states and the filters' weights.
    /// </summary>
    [Fact]
    public void StageTwo_TinyCase_MatchesCeKdAndFilteredMseComputedLonghand()
    {
        ModelConfig Config(int hidden, int layers, int heads) => new()
        {
            ModelType = "gpt2", VocabSize = 7, HiddenSize = hidden, NumLayers = layers, NumHeads = heads, NumKeyValueHeads = heads,
            HeadDim = hidden / heads, IntermediateSize = 2 * hidden, MaxPositions = 4, NormEps = 1e-5, Activation = "gelu_new",
            TieWordEmbeddings = true, QkvBias = true, AttentionOutputBias = true, MlpBias = true,
        };
        var method = MethodOptions.FromJson("""{"name": "ted", "temperature": 2, "weights": {"ce": 1, "kd": 0.7, "hidden": 3}}""");
        using var teacher = Model(Config(8, 2, 2), 21);
        using var student = Model(Config(4, 1, 1), 22);
        using var studentFilters = TedFilterLayout.For(ModelRole.Student, method, student.Config, teacher.Config).CreateFilters(23);
        using var teacherFilters = TedFilterLayout.For(ModelRole.Teacher, method, student.Config, teacher.Config).CreateFilters(24);
        using var objective = new DistillationObjective(student, teacher, method, studentFilters, teacherFilters, chunkTokens: 3);
        Assert.Equal([new LayerPair(1, 2)], objective.LayerPairs);
        long[] targets = [TokenBatch.IgnoreIndex, 3, 5, 1];
        using var batch = new TokenBatch(Tensor.FromArray(new long[] { 2, 6, 0, 4 }, 1, 4).DetachFromScope(),
            Tensor.FromArray(targets, 1, 4).DetachFromScope(), [0], 3, cursorAfter: null);
        using var scope = TensorScope.Begin();

        var output = objective.ForwardBackward(batch, Context());

        double[] Doubles(Tensor t) => t.To(DType.Float64).ToArray<double>();
        var options = new ForwardOptions { HiddenStates = true };
        var s = student.Forward(batch.InputIds, options);
        var t = teacher.Forward(batch.InputIds, options);
        var (zs, zt) = (Doubles(s.Logits!), Doubles(t.Logits!));
        var (hs, ht) = (Doubles(s.HiddenStates![1]), Doubles(t.HiddenStates![2]));
        var filterParameters = (TaskAwareFilterSet f) => f.NamedParameters().ToDictionary(p => p.Key, p => Doubles(p.Value));
        var (fs, ft) = (filterParameters(studentFilters), filterParameters(teacherFilters));
        double[] Filter(Dictionary<string, double[]> f, double[] h, int width)
        {
            var (w, b) = (f["filters.0.weight"], f["filters.0.bias"]);
            return Enumerable.Range(0, 8).Select(j => b[j] + Enumerable.Range(0, width).Sum(i => w[j * width + i] * h[i])).ToArray();
        }
        double ce = 0, kd = 0, mse = 0;
        for (var position = 1; position < 4; position++)
        {
            var (studentRow, teacherRow) = (Reference.Row(zs, position, 7), Reference.Row(zt, position, 7));
            ce += Reference.CrossEntropy(studentRow, (int)targets[position]);
            kd += Reference.ForwardKl(studentRow, teacherRow, temperature: 2);
            mse += Reference.SquaredError(Filter(fs, Reference.Row(hs, position, 4), 4), Filter(ft, Reference.Row(ht, position, 8), 8));
        }
        (ce, kd, mse) = (ce / 3, kd / 3, mse / 3);

        Assert.Equal(ce, output.Components!["ce"].ToDouble(), 1e-5);
        Assert.Equal(kd, output.Components["kd"].ToDouble(), 1e-5);
        Assert.Equal(mse, output.Components["hidden"].ToDouble(), 1e-5);
        Assert.Equal(ce + 0.7 * kd + 3 * mse, output.Loss.ToDouble(), 1e-5);
        Assert.True(kd > 1e-4 && mse > 1e-4);
    }

    [Theory]
    [InlineData("gpt2", ModelRole.Teacher)]
    [InlineData("gpt2", ModelRole.Student)]
    [InlineData("llama", ModelRole.Teacher)]
    public void StageOne_EqualsTheUnchunkedMeanOfTheFiltersCrossEntropiesAndItsGradients(string family, ModelRole role)
    {
        var method = MethodOptions.FromJson("""{"name": "ted", "ted": {"filterWidth": 20}}""");
        using var teacher = Model(TeacherConfig(family), 31);
        using var student = Model(StudentConfig(family), 32);
        var model = role == ModelRole.Teacher ? teacher : student;
        var layout = TedFilterLayout.For(role, method, student.Config, teacher.Config);
        using var filters = layout.CreateFilters(33);
        using var batch = Batch();
        var weightsBefore = model.NamedParameters().ToDictionary(p => p.Key, p => p.Value.ToBytes());
        double expected;
        Dictionary<string, float[]> expectedGradients;
        double actual;
        Dictionary<string, float[]> actualGradients;
        using (var objective = new TedFilterObjective(model, layout, filters, chunkTokens: 5))
        {
            using (TensorScope.Begin())
            {
                var hidden = model.Forward(batch.InputIds, new ForwardOptions { HiddenStates = true }).HiddenStates!;
                var mask = TokenMask.FromTargets(batch.Targets);
                var losses = layout.Layers().Select((layer, k) =>
                    TokenMask.MaskedMean(VocabularyTerms.CrossEntropy(objective.Heads.Logits(k, filters.Forward(k, hidden[layer])), batch.Targets), mask)).ToArray();
                var mean = Tensor.Stack(losses).Mean();
                (mean * 0.25).Backward();
                expected = mean.ToDouble();
            }
            expectedGradients = TakeGradients(objective);
            using (TensorScope.Begin())
            {
                actual = objective.ForwardBackward(batch, Context(lossScale: 0.25)).Loss.ToDouble();
            }
            actualGradients = TakeGradients(objective);

            Assert.Equal(["filters", "heads"], objective.TrainableModules.Select(m => m.Prefix));
            Assert.All(model.Parameters(), p => Assert.False(p.RequiresGrad));
            Assert.All(model.Parameters(), p => Assert.Null(p.Grad));
            Assert.False(model.IsTraining);
        }

        Assert.Equal(expected, actual, 1e-5);
        AssertClose(expectedGradients, actualGradients, 1e-5);
        Assert.Contains(actualGradients, g => g.Key.StartsWith("filters.", StringComparison.Ordinal) && g.Value.Any(v => Math.Abs(v) > 1e-5));
        Assert.Contains(actualGradients, g => g.Key.StartsWith("heads.", StringComparison.Ordinal) && g.Value.Any(v => Math.Abs(v) > 1e-5));
        Assert.All(model.NamedParameters(), p => Assert.Equal(weightsBefore[p.Key], p.Value.ToBytes()));
        // Disposing the objective gives the model back its gradient flags and mode.
        Assert.All(model.Parameters(), p => Assert.True(p.RequiresGrad));
        Assert.True(model.IsTraining);
    }

    [Fact]
    public void StageOne_HeadsStartAsTheModelsHead()
    {
        var method = MethodOptions.FromJson("""{"name": "ted", "ted": {"filterWidth": 16}}""");
        using var teacher = Model(TeacherConfig("gpt2"), 31);
        using var student = Model(StudentConfig("gpt2"), 32);
        var layout = TedFilterLayout.For(ModelRole.Student, method, student.Config, teacher.Config);
        using var filters = layout.CreateFilters(1);
        using var objective = new TedFilterObjective(student, layout, filters);

        var head = student.HeadWeight.ToArray<float>();
        Assert.Equal(2, objective.Heads.Heads.Count);
        Assert.All(objective.Heads.Heads, h => Assert.Equal(head, h.Weight.ToArray<float>()));
        Assert.StartsWith("ted-filters:student:k2:i1:d16:linear", objective.Name, StringComparison.Ordinal);
    }

    [Fact]
    public void StageOne_ModelThatDoesNotFitTheLayout_IsRejected()
    {
        using var teacher = Model(TeacherConfig("gpt2"), 31);
        using var student = Model(StudentConfig("gpt2"), 32);
        var layout = TedFilterLayout.For(ModelRole.Teacher, s_ted, student.Config, teacher.Config);
        using var filters = layout.CreateFilters(1);

        var error = Assert.Throws<ArgumentException>(() => new TedFilterObjective(student, layout, filters));

        Assert.Contains("the teacher has 2 layers but its filters are laid out for 4", error.Message, StringComparison.Ordinal);
        Assert.All(student.Parameters(), p => Assert.True(p.RequiresGrad));
    }

    [Fact]
    public void Layout_ForAMethodOtherThanTed_IsRejected()
    {
        using var teacher = Model(TeacherConfig("gpt2"), 31);
        using var student = Model(StudentConfig("gpt2"), 32);

        var error = Assert.Throws<MethodOptionsException>(() =>
            TedFilterLayout.For(ModelRole.Teacher, MethodOptions.FromJson("""{"name": "lwd"}"""), student.Config, teacher.Config));

        Assert.Contains("'ted' method", error.Message, StringComparison.Ordinal);
    }
}
