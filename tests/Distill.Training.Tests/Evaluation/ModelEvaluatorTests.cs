using Distill.Torch;
using Distill.Training.Data;
using Distill.Training.Evaluation;
using Distill.Training.Models;

namespace Distill.Training.Tests.Evaluation;

public sealed class ModelEvaluatorTests
{
    private const int Vocab = 16;

    private static readonly long[][] s_inputs =
    [
        [1, 5, 9, 2, 7, 7, 0, 15],
        [3, 3, 8, 12, 4, 6, 11, 10],
        [14, 13, 2, 1, 0, 9, 5, 8],
    ];

    private static readonly long[][] s_targets =
    [
        [5, 9, 2, 7, 7, 0, 15, 4],
        [3, 8, 12, 4, 6, 11, 10, 1],
        [13, 2, 1, 0, 9, 5, 8, 3],
    ];

    private static readonly long[][] s_maskedTargets =
    [
        [5, -100, 2, 7, -100, 0, 15, 4],
        [-100, -100, -100, 4, 6, 11, 10, 1],
        [13, 2, 1, 0, 9, 5, 8, -100],
    ];

    /// <summary>The evaluation pass over the given rows, one batch per <paramref name="batchRows"/> rows.</summary>
    private static EvaluationReport Evaluate(
        CausalLanguageModel student,
        CausalLanguageModel? teacher,
        long[][] inputs,
        long[][] targets,
        int chunkPositions = 256,
        int batchRows = 2)
    {
        var batches = new List<TokenBatch>();
        for (var start = 0; start < inputs.Length; start += batchRows)
        {
            var take = Math.Min(batchRows, inputs.Length - start);
            batches.Add(Longhand.Batch(inputs[start..(start + take)], targets[start..(start + take)]));
        }
        return ModelEvaluator.Evaluate(
            batches,
            "test batches",
            "validation",
            inputs.Length,
            targetVocabSize: null,
            new NamedModel("student", student),
            teacher is null ? null : new NamedModel("teacher", teacher),
            new EvaluationOptions { ChunkPositions = chunkPositions },
            progress: null,
            TestContext.Current.CancellationToken);
    }

    [Fact]
    public void Evaluate_ZeroHead_PerplexityIsTheVocabularySize()
    {
        using var model = RiggedModels.Uniform(Vocab);

        var report = Evaluate(model, null, s_inputs, s_targets);

        Assert.Equal(Math.Log(Vocab), report.Student.MeanLoss, 1e-6);
        Assert.Equal(Vocab, report.Student.Perplexity, 1e-4);
        Assert.Equal(24, report.TokensEvaluated);
        Assert.Null(report.Teacher);
        Assert.Null(report.TopOneAgreement);
        Assert.Null(report.ForwardKl);
    }

    [Fact]
    public void Evaluate_KnownLogits_GivesTheHandComputedLoss()
    {
        // Logits (1, 2, 3) everywhere: log Σ e^z = 3.40760596444438, so −log p = 2.4076, 1.4076, 0.4076 for 0, 1, 2.
        using var model = RiggedModels.ConstantLogits(1, 2, 3);
        long[][] inputs = [[0, 1, 2], [2, 2, 0]];
        long[][] targets = [[0, 2, 1], [2, 2, -100]];

        var report = Evaluate(model, null, inputs, targets);

        // Targets 0, 2, 1, 2, 2 count: (5 · 3.40760596444438 − (1 + 3 + 2 + 3 + 3)) / 5.
        const double Expected = 1.00760596444438;
        Assert.Equal(5, report.TokensEvaluated);
        Assert.Equal(Expected, report.Student.MeanLoss, 1e-6);
        Assert.Equal(Math.Exp(Expected), report.Student.Perplexity, 1e-5);
        Assert.Equal(2, report.Blocks);
        Assert.Equal(3, report.BlockSize);
    }

    [Fact]
    public void Evaluate_AgainstItself_AgreesEverywhereWithZeroKl()
    {
        using var model = RiggedModels.Random(Vocab, seed: 7);

        var report = Evaluate(model, model, s_inputs, s_targets);

        Assert.Equal(1.0, report.TopOneAgreement);
        Assert.Equal(0.0, report.ForwardKl!.Value, 1e-9);
        Assert.Equal(report.Student.MeanLoss, report.Teacher!.MeanLoss);
    }

    [Fact]
    public void Evaluate_AgainstAnotherModel_MatchesTheLonghandComputation()
    {
        using var student = RiggedModels.Random(Vocab, seed: 1);
        using var teacher = RiggedModels.Random(Vocab, seed: 2, hidden: 24);
        var studentLogProbs = Longhand.LogProbabilities(student, s_inputs);
        var teacherLogProbs = Longhand.LogProbabilities(teacher, s_inputs);

        var report = Evaluate(student, teacher, s_inputs, s_targets);

        var kl = Longhand.ForwardKl(studentLogProbs, teacherLogProbs, s_targets);
        var agreement = Longhand.Agreement(studentLogProbs, teacherLogProbs, s_targets);
        Assert.InRange(kl, 0.1, double.MaxValue);
        Assert.InRange(agreement, 0.01, 0.99);
        Assert.Equal(kl, report.ForwardKl!.Value, 1e-5);
        Assert.Equal(agreement, report.TopOneAgreement!.Value, 1e-12);
        Assert.Equal(Longhand.MeanLoss(studentLogProbs, s_targets), report.Student.MeanLoss, 1e-5);
        Assert.Equal(Longhand.MeanLoss(teacherLogProbs, s_targets), report.Teacher!.MeanLoss, 1e-5);
        Assert.Equal(student.ParameterCount(), report.Student.Parameters);
        Assert.Equal(teacher.ParameterCount(), report.Teacher.Parameters);
        Assert.NotEqual(report.Student.Parameters, report.Teacher.Parameters);
        Assert.True(report.Student.TokensPerSecond > 0 && report.Teacher.TokensPerSecond > 0);
        Assert.Equal(24 / report.Student.ForwardSeconds, report.Student.TokensPerSecond, 1e-6);
    }

    [Fact]
    public void Evaluate_MaskedTargets_AreLeftOutOfEveryMean()
    {
        using var student = RiggedModels.Random(Vocab, seed: 3);
        using var teacher = RiggedModels.Random(Vocab, seed: 4);
        var studentLogProbs = Longhand.LogProbabilities(student, s_inputs);
        var teacherLogProbs = Longhand.LogProbabilities(teacher, s_inputs);

        var masked = Evaluate(student, teacher, s_inputs, s_maskedTargets);
        var all = Evaluate(student, teacher, s_inputs, s_targets);

        Assert.Equal(18, masked.TokensEvaluated);
        Assert.Equal(Longhand.MeanLoss(studentLogProbs, s_maskedTargets), masked.Student.MeanLoss, 1e-5);
        Assert.Equal(Longhand.MeanLoss(teacherLogProbs, s_maskedTargets), masked.Teacher!.MeanLoss, 1e-5);
        Assert.Equal(Longhand.ForwardKl(studentLogProbs, teacherLogProbs, s_maskedTargets), masked.ForwardKl!.Value, 1e-5);
        Assert.Equal(Longhand.Agreement(studentLogProbs, teacherLogProbs, s_maskedTargets), masked.TopOneAgreement!.Value, 1e-12);
        Assert.NotEqual(all.Student.MeanLoss, masked.Student.MeanLoss, 1e-3);
        Assert.NotEqual(all.ForwardKl!.Value, masked.ForwardKl.Value, 1e-4);
    }

    [Fact]
    public void Evaluate_AllTargetsMasked_SaysNothingCounts()
    {
        using var model = RiggedModels.Uniform(Vocab);
        long[][] targets = [[-100, -100], [-100, -100]];

        var error = Assert.Throws<ArgumentException>(() => Evaluate(model, null, [[1, 2], [3, 4]], targets));

        Assert.Contains("test batches", error.Message, StringComparison.Ordinal);
        Assert.Contains("no target", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(5, 2)]
    [InlineData(7, 3)]
    public void Evaluate_ChunkedHead_EqualsOneChunk(int chunkPositions, int batchRows)
    {
        using var student = RiggedModels.Random(Vocab, seed: 5);
        using var teacher = RiggedModels.Random(Vocab, seed: 6);

        var whole = Evaluate(student, teacher, s_inputs, s_maskedTargets, chunkPositions: 1000, batchRows: 3);
        var chunked = Evaluate(student, teacher, s_inputs, s_maskedTargets, chunkPositions, batchRows);

        Assert.Equal(whole.Student.MeanLoss, chunked.Student.MeanLoss, 1e-6);
        Assert.Equal(whole.Teacher!.MeanLoss, chunked.Teacher!.MeanLoss, 1e-6);
        Assert.Equal(whole.ForwardKl!.Value, chunked.ForwardKl!.Value, 1e-6);
        Assert.Equal(whole.TopOneAgreement, chunked.TopOneAgreement);
        Assert.Equal(whole.TokensEvaluated, chunked.TokensEvaluated);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Evaluate_RunsInEvalModeAndRestoresTheModelsMode(bool training)
    {
        // With dropout 0.5 a forward pass in training mode is random; in eval mode it is the longhand value.
        using var student = RiggedModels.Random(Vocab, seed: 8, dropout: 0.5);
        using var teacher = RiggedModels.Random(Vocab, seed: 9, dropout: 0.5);
        student.Train(training);
        teacher.Train(training);
        var expected = Longhand.MeanLoss(Longhand.LogProbabilities(student, s_inputs), s_targets);

        var report = Evaluate(student, teacher, s_inputs, s_targets);

        Assert.Equal(expected, report.Student.MeanLoss, 1e-5);
        Assert.Equal(training, student.IsTraining);
        Assert.Equal(training, teacher.IsTraining);
    }

    [Fact]
    public void Evaluate_LeavesNoTensorInTheCallersScope()
    {
        using var student = RiggedModels.Random(Vocab, seed: 10);
        using var teacher = RiggedModels.Random(Vocab, seed: 11);
        var batches = new[] { Longhand.Batch(s_inputs, s_maskedTargets) };

        using var scope = TensorScope.Begin();
        ModelEvaluator.Evaluate(batches, "test", "validation", 3, null, new NamedModel("s", student), new NamedModel("t", teacher),
            new EvaluationOptions { ChunkPositions = 5 }, null, TestContext.Current.CancellationToken);

        Assert.Equal(0, scope.Count);
        Assert.True(batches[0].InputIds.IsDisposed && batches[0].Targets.IsDisposed);
        Assert.True(TorchRuntime.IsGradEnabled);
    }

    [Fact]
    public void Evaluate_TeacherWithAnotherVocabulary_SaysBothSizes()
    {
        using var student = RiggedModels.Random(Vocab, seed: 12);
        using var teacher = RiggedModels.Random(Vocab + 4, seed: 13);

        var error = Assert.Throws<ArgumentException>(() => Evaluate(student, teacher, s_inputs, s_targets));

        Assert.Contains("student gives 16 logits", error.Message, StringComparison.Ordinal);
        Assert.Contains("teacher gives 20", error.Message, StringComparison.Ordinal);
        Assert.True(student.IsTraining);
    }
}
