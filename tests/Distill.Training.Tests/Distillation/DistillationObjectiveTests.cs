using Distill.Contracts.Methods;
using Distill.Torch;
using Distill.Training.Data;
using Distill.Training.Distillation;
using Distill.Training.Models;
using static Distill.Training.Tests.Distillation.TinyDistillation;

namespace Distill.Training.Tests.Distillation;

public sealed class DistillationObjectiveTests
{
    public static TheoryData<string, string> FamiliesAndMethods()
    {
        var data = new TheoryData<string, string>();
        foreach (var family in new[] { "gpt2", "llama" })
        {
            foreach (var method in Methods)
            {
                data.Add(family, method);
            }
        }
        return data;
    }

    public static TheoryData<string> AllMethods() => new(Methods);

    [Theory]
    [MemberData(nameof(FamiliesAndMethods))]
    public void ForwardBackward_EachMethod_EqualsTheUnchunkedWeightedSumOfItsTermsAndItsGradients(string family, string json)
    {
        var method = MethodOptions.FromJson(json);
        using var pair = new Pair(family, method);
        using var objective = pair.Objective(method, chunkTokens: 5);
        using var batch = Batch();
        var (expectedLoss, expectedTerms) = Unchunked(pair, method, batch, objective.Projections, lossScale: 0.5);
        var expected = TakeGradients(objective);

        using var scope = TensorScope.Begin();
        var output = objective.ForwardBackward(batch, Context(lossScale: 0.5));
        var actual = TakeGradients(objective);

        Assert.Equal(expectedLoss, output.Loss.ToDouble(), 1e-5);
        Assert.Equal(expectedTerms.Keys.Order(), output.Components!.Keys.Order());
        foreach (var (term, value) in expectedTerms)
        {
            Assert.True(Math.Abs(value - output.Components[term].ToDouble()) <= 1e-5, $"{term}: {output.Components[term].ToDouble()} instead of {value}");
        }
        AssertClose(expected, actual, 1e-5);
        Assert.Contains(expected, g => g.Key.StartsWith("student.", StringComparison.Ordinal) && g.Value.Any(v => Math.Abs(v) > 1e-4));
        Assert.All(pair.Teacher.Parameters(), p => Assert.Null(p.Grad));
    }

    [Theory]
    [MemberData(nameof(AllMethods))]
    public void ForwardBackward_ChunkSize_ChangesNothingBeyondRounding(string json)
    {
        var method = MethodOptions.FromJson(json);
        using var pair = new Pair("gpt2", method);
        using var batch = Batch();
        var losses = new List<double>();
        var gradients = new List<Dictionary<string, float[]>>();
        foreach (var chunk in new[] { 3, 7, 24, 1000 })
        {
            using var objective = pair.Objective(method, chunk);
            using (TensorScope.Begin())
            {
                losses.Add(objective.ForwardBackward(batch, Context()).Loss.ToDouble());
            }
            gradients.Add(TakeGradients(objective));
        }

        Assert.All(losses, l => Assert.Equal(losses[0], l, 1e-6));
        Assert.All(gradients, g => AssertClose(gradients[0], g, 1e-6));
    }

    [Theory]
    [MemberData(nameof(FamiliesAndMethods))]
    public void ForwardBackward_GarbageAtMaskedPositions_LeavesLossAndGradientsUnchanged(string family, string json)
    {
        var method = MethodOptions.FromJson(json);
        using var pair = new Pair(family, method);
        using var objective = pair.Objective(method, chunkTokens: 7);
        var losses = new List<double>();
        var gradients = new List<Dictionary<string, float[]>>();
        foreach (var tail in new long[] { 0, 37, 59 })
        {
            using var batch = Batch(tailIds: tail);
            using (TensorScope.Begin())
            {
                losses.Add(objective.ForwardBackward(batch, Context()).Loss.ToDouble());
            }
            gradients.Add(TakeGradients(objective));
        }

        Assert.All(losses, l => Assert.Equal(losses[0], l, 1e-6));
        Assert.All(gradients, g => AssertClose(gradients[0], g, 1e-6));
    }

    [Fact]
    public void ForwardBackward_MaskedTargets_CountInNoTerm()
    {
        // Masking a counted target changes the loss; the objective must agree with the reference for both masks.
        var method = MethodOptions.FromJson("""{"name": "feature-alignment", "weights": {"attention": 1}}""");
        using var pair = new Pair("llama", method);
        using var objective = pair.Objective(method, chunkTokens: 4);
        using var full = Batch();
        using var scope = TensorScope.Begin();
        var targets = full.Targets.Clone().DetachFromScope();
        using (TorchRuntime.NoGrad())
        {
            targets.Narrow(1, 5, 4).Fill(-100);
        }
        using var masked = new TokenBatch(full.InputIds.Clone().DetachFromScope(), targets, [0, 1], full.TargetCount - 8, cursorAfter: null);

        var fullLoss = objective.ForwardBackward(full, Context()).Loss.ToDouble();
        TakeGradients(objective);
        var maskedLoss = objective.ForwardBackward(masked, Context()).Loss.ToDouble();
        TakeGradients(objective);
        var (expected, _) = Unchunked(pair, method, masked, objective.Projections);
        TakeGradients(objective);

        Assert.NotEqual(fullLoss, maskedLoss, 1e-3);
        Assert.Equal(expected, maskedLoss, 1e-5);
    }

    [Theory]
    [InlineData("""{"name": "kd"}""")]
    [InlineData("""{"name": "ted", "weights": {"hidden": 5}}""")]
    public void Constructor_FreezesTheTeacherAndItsFilters_WhichGetNoGradient(string json)
    {
        var method = MethodOptions.FromJson(json);
        using var pair = new Pair("gpt2", method);
        pair.Teacher.Train();
        using var objective = pair.Objective(method, chunkTokens: 8);
        using var batch = Batch();
        using var scope = TensorScope.Begin();

        objective.ForwardBackward(batch, Context());

        Assert.False(pair.Teacher.IsTraining);
        Assert.All(pair.Teacher.Parameters(), p => Assert.False(p.RequiresGrad));
        Assert.All(pair.Teacher.Parameters(), p => Assert.Null(p.Grad));
        Assert.DoesNotContain(objective.TrainableModules, m => ReferenceEquals(m.Module, pair.Teacher) || ReferenceEquals(m.Module, pair.TeacherFilters));
        if (pair.TeacherFilters is not null)
        {
            Assert.False(pair.TeacherFilters.IsTraining);
            Assert.All(pair.TeacherFilters.Parameters(), p => Assert.Null(p.Grad));
            Assert.All(pair.StudentFilters!.Parameters(), p => Assert.NotNull(p.Grad));
        }
    }

    [Theory]
    [InlineData("""{"name": "ce"}""", "ce", new[] { "student" }, new[] { "ce" })]
    [InlineData("""{"name": "kd"}""", "kd", new[] { "student" }, new[] { "kd" })]
    [InlineData("""{"name": "kd", "weights": {"ce": 0.5}}""", "kd", new[] { "student" }, new[] { "ce", "kd" })]
    [InlineData("""{"name": "reverse-kl"}""", "reverse-kl", new[] { "student" }, new[] { "reverseKl" })]
    [InlineData("""{"name": "atkd"}""", "atkd", new[] { "student" }, new[] { "atkd" })]
    [InlineData("""{"name": "lwd"}""", "lwd", new[] { "student", "projections" }, new[] { "ce", "kd", "hidden" })]
    [InlineData("""{"name": "feature-alignment"}""", "feature-alignment", new[] { "student", "projections" }, new[] { "ce", "kd", "hidden", "attention" })]
    [InlineData("""{"name": "ted"}""", "ted", new[] { "student", "filters" }, new[] { "ce", "kd", "hidden" })]
    [InlineData("""{"name": "ted", "weights": {"hidden": 0}}""", "ted", new[] { "student" }, new[] { "ce", "kd" })]
    public void Constructor_MethodChosenByNameInJson_BuildsThatObjective(string json, string name, string[] modules, string[] components)
    {
        var method = MethodOptions.FromJson(json);
        using var pair = new Pair("gpt2", method);
        using var objective = pair.Objective(method, chunkTokens: 8);
        using var batch = Batch();
        using var scope = TensorScope.Begin();

        var output = objective.ForwardBackward(batch, Context());

        Assert.Equal(name, objective.Method);
        Assert.StartsWith($"distillation:{name}:", objective.Name, StringComparison.Ordinal);
        Assert.Equal(modules, objective.TrainableModules.Select(m => m.Prefix));
        Assert.Equal(components.Order(), output.Components!.Keys.Order());
        Assert.True(output.Loss.ToDouble() > 0);
    }

    [Fact]
    public void Name_DiffersWithTheWeights_SoACheckpointResumesOnlyUnderTheSameMethod()
    {
        var a = MethodOptions.FromJson("""{"name": "kd"}""");
        var b = MethodOptions.FromJson("""{"name": "kd", "weights": {"ce": 0.1}}""");
        using var pair = new Pair("gpt2", a);
        using var first = pair.Objective(a, 8);
        using var again = pair.Objective(MethodOptions.FromJson("""{"name": "kd", "weights": {"kd": 1}}"""), 8);
        using var second = pair.Objective(b, 8);

        Assert.Equal(first.Name, again.Name);
        Assert.NotEqual(first.Name, second.Name);
    }

    [Fact]
    public void Constructor_FeatureAlignmentAtEqualWidths_ComparesRawStatesWithoutProjections()
    {
        var method = MethodOptions.FromJson("""{"name": "feature-alignment", "featureAlignment": {"hiddenLoss": "cosine"}}""");
        using var pair = new Pair("gpt2", method);
        using var wide = Model(StudentConfig("gpt2") with { HiddenSize = 32, NumHeads = 4, NumKeyValueHeads = 4 }, 5);
        using var objective = new DistillationObjective(wide, pair.Teacher, method, chunkTokens: 6);
        using var batch = Batch();
        using var scope = TensorScope.Begin();

        var output = objective.ForwardBackward(batch, Context());

        Assert.Null(objective.Projections);
        Assert.Equal(["student"], objective.TrainableModules.Select(m => m.Prefix));
        var mask = TokenMask.FromTargets(batch.Targets);
        var options = new ForwardOptions { HiddenStates = true };
        var student = wide.Forward(batch.InputIds, options);
        var teacher = pair.Teacher.Forward(batch.InputIds, options);
        var expected = objective.LayerPairs
            .Select(p => TokenMask.MaskedMean(HiddenStateTerms.CosineDistance(student.HiddenStates![p.Student], teacher.HiddenStates![p.Teacher], mask), mask).ToDouble())
            .Average();
        Assert.Equal(expected, output.Components!["hidden"].ToDouble(), 1e-6);
    }

    [Fact]
    public void ForwardBackward_NoCountedTarget_ReturnsZeroWithoutGradients()
    {
        var method = MethodOptions.FromJson("""{"name": "lwd"}""");
        using var pair = new Pair("gpt2", method);
        using var objective = pair.Objective(method, 8);
        using var batch = new TokenBatch(
            Tensor.Zeros([1, Length], DType.Int64).DetachFromScope(),
            Tensor.Full([1, Length], TokenBatch.IgnoreIndex, DType.Int64).DetachFromScope(),
            [0], targetCount: 0, cursorAfter: null);
        using var scope = TensorScope.Begin();

        var output = objective.ForwardBackward(batch, Context());

        Assert.Equal(0, output.Loss.ToDouble());
        Assert.All(output.Components!.Values, c => Assert.Equal(0, c.ToDouble()));
        Assert.All(objective.TrainableModules.SelectMany(m => m.Module.Parameters()), p => Assert.Null(p.Grad));
    }

    [Fact]
    public void Constructor_InvalidMethodForTheModels_ThrowsListingEveryProblem()
    {
        var method = MethodOptions.FromJson("""{"name": "ted", "temperature": -1, "ted": {"studentInterval": 3}}""");
        using var teacher = Model(TeacherConfig("gpt2"), 1);
        using var student = Model(StudentConfig("gpt2"), 2);

        var error = Assert.Throws<MethodOptionsException>(() => new DistillationObjective(student, teacher, method));

        Assert.Contains(error.Problems, p => p.StartsWith("method.temperature", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith("method.ted.studentInterval", StringComparison.Ordinal));
        Assert.All(teacher.Parameters(), p => Assert.True(p.RequiresGrad));
    }

    [Fact]
    public void Constructor_OtherVocabularies_AreRejectedForLogitTermsOnly()
    {
        using var teacher = Model(TeacherConfig("gpt2", vocab: 64), 1);
        using var student = Model(StudentConfig("gpt2"), 2);

        var error = Assert.Throws<MethodOptionsException>(() => new DistillationObjective(student, teacher, MethodOptions.FromJson("""{"name": "kd"}""")));
        Assert.Contains("vocabulary", error.Message, StringComparison.Ordinal);
        using var hiddenOnly = new DistillationObjective(student, teacher, MethodOptions.FromJson("""{"name": "lwd", "weights": {"kd": 0}}"""));
        Assert.Equal(0, hiddenOnly.Weights.Kd);
    }

    [Fact]
    public void Constructor_TedWithoutFilters_NamesWhatIsMissing()
    {
        var method = MethodOptions.FromJson("""{"name": "ted"}""");
        using var teacher = Model(TeacherConfig("gpt2"), 1);
        using var student = Model(StudentConfig("gpt2"), 2);
        using var wrong = new TaskAwareFilterSet(2, 16, 8);

        var missing = Assert.Throws<ArgumentException>(() => new DistillationObjective(student, teacher, method));
        var misfit = Assert.Throws<ArgumentException>(() => new DistillationObjective(student, teacher, method, studentFilters: wrong, teacherFilters: wrong));

        Assert.Contains("teacher's Stage I filters", missing.Message, StringComparison.Ordinal);
        Assert.Contains("map to 8 features but d_f is 32", misfit.Message, StringComparison.Ordinal);
        Assert.Contains("take 16 features but the model's hidden size is 32", misfit.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_KdWithoutTeacher_Throws_ButCeNeedsNone()
    {
        using var student = Model(StudentConfig("gpt2"), 2);
        using var batch = Batch();

        Assert.Throws<ArgumentNullException>(() => new DistillationObjective(student, null, MethodOptions.FromJson("""{"name": "kd"}""")));
        using var ce = new DistillationObjective(student, null, MethodOptions.FromJson("""{"name": "ce"}"""), chunkTokens: 5);
        using var scope = TensorScope.Begin();
        var loss = ce.ForwardBackward(batch, Context()).Loss.ToDouble();
        var logits = student.Forward(batch.InputIds).Logits!;
        var expected = TokenMask.MaskedMean(VocabularyTerms.CrossEntropy(logits, batch.Targets), TokenMask.FromTargets(batch.Targets)).ToDouble();
        Assert.Equal(expected, loss, 1e-5);
    }
}
