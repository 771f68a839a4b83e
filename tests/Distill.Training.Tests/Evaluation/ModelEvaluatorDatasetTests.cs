using System.Text.Json;
using Distill.Training.Data;
using Distill.Training.Evaluation;
using Distill.Training.Tests.Data;

namespace Distill.Training.Tests.Evaluation;

public sealed class ModelEvaluatorDatasetTests : DatasetTestFolder
{
    private const int BlockSize = 8;

    /// <summary>Chat conversations, so some validation targets (the prompts) are masked.</summary>
    private TokenDataset OpenChatDataset()
    {
        var lines = Enumerable.Range(0, 40).Select(i => JsonSerializer.Serialize(new
        {
            messages = new[]
            {
                new { role = "user", content = $"question {i}?" },
                new { role = "assistant", content = $"answer number {i * 7} is here." },
            },
        }));
        var path = Write("chat.jsonl", string.Join("\n", lines) + "\n");
        var built = Build([path], Output(), new DataOptions { BlockSize = BlockSize, ValidationFraction = 0.3 });
        return TokenDataset.Open(built.Folder);
    }

    /// <summary>Inputs and targets (−100 where the target does not count) of the split's first blocks.</summary>
    private static (long[][] Inputs, long[][] Targets) Blocks(TokenDataset dataset, int count)
    {
        var inputs = new long[count][];
        var targets = new long[count][];
        for (var b = 0; b < count; b++)
        {
            var block = dataset.ReadBlock(DataSplit.Validation, b);
            inputs[b] = block.Tokens.Take(BlockSize).Select(t => (long)t).ToArray();
            targets[b] = Enumerable.Range(1, BlockSize).Select(j => block.CountsAsTarget[j] ? block.Tokens[j] : TokenBatch.IgnoreIndex).ToArray();
        }
        return (inputs, targets);
    }

    [Fact]
    public void Evaluate_Dataset_UsesTheFirstBlocksInStoredOrder()
    {
        using var dataset = OpenChatDataset();
        Assert.True(dataset.BlockCount(DataSplit.Validation) > 5);
        using var student = RiggedModels.Random(dataset.VocabSize, seed: 21);
        using var teacher = RiggedModels.Random(dataset.VocabSize, seed: 22);
        var (inputs, targets) = Blocks(dataset, 5);
        var studentLogProbs = Longhand.LogProbabilities(student, inputs);
        var teacherLogProbs = Longhand.LogProbabilities(teacher, inputs);
        var progress = new RecordingProgress();

        var report = ModelEvaluator.Evaluate(dataset, new NamedModel("student.safetensors", student), new NamedModel("teacher", teacher),
            new EvaluationOptions { BatchSize = 2, MaxBlocks = 5, ChunkPositions = 3 }, progress, TestContext.Current.CancellationToken);

        var counted = targets.Sum(row => row.Count(t => t != TokenBatch.IgnoreIndex));
        Assert.InRange(counted, 1, 5 * BlockSize - 1);
        Assert.Equal(counted, report.TokensEvaluated);
        Assert.Equal(5, report.Blocks);
        Assert.Equal(BlockSize, report.BlockSize);
        Assert.Equal(dataset.Folder, report.Dataset);
        Assert.Equal("validation", report.Split);
        Assert.Equal("student.safetensors", report.Student.Name);
        Assert.Equal(Longhand.MeanLoss(studentLogProbs, targets), report.Student.MeanLoss, 1e-5);
        Assert.Equal(Longhand.MeanLoss(teacherLogProbs, targets), report.Teacher!.MeanLoss, 1e-5);
        Assert.Equal(Longhand.ForwardKl(studentLogProbs, teacherLogProbs, targets), report.ForwardKl!.Value, 1e-5);
        Assert.Equal(Longhand.Agreement(studentLogProbs, teacherLogProbs, targets), report.TopOneAgreement!.Value, 1e-12);
        Assert.Equal([new(2, 5), new(4, 5), new EvaluationProgress(5, 5)], progress.Reports);
    }

    [Fact]
    public void Evaluate_NoBlockLimit_EvaluatesTheWholeSplit()
    {
        using var dataset = OpenChatDataset();
        using var model = RiggedModels.Uniform(dataset.VocabSize);

        var report = ModelEvaluator.Evaluate(dataset, new NamedModel("m", model), options: new EvaluationOptions { BatchSize = 4 },
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(dataset.BlockCount(DataSplit.Validation), report.Blocks);
        Assert.Equal(dataset.VocabSize, report.Student.Perplexity, 1e-3);
    }

    [Fact]
    public void Evaluate_BlocksLongerThanTheModel_NamesTheDatasetAndBothLengths()
    {
        using var dataset = OpenChatDataset();
        using var model = RiggedModels.Random(dataset.VocabSize, seed: 23, maxPositions: 4);

        var error = Assert.Throws<ArgumentException>(() => ModelEvaluator.Evaluate(dataset, new NamedModel("small", model), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains(dataset.Folder, error.Message, StringComparison.Ordinal);
        Assert.Contains("blocks of 8 tokens do not fit small, which has 4 positions", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_TokenIdsBeyondTheModelsVocabulary_SaysSo()
    {
        using var dataset = OpenChatDataset();
        using var model = RiggedModels.Random(200, seed: 24);

        var error = Assert.Throws<ArgumentException>(() => ModelEvaluator.Evaluate(dataset, new NamedModel("narrow", model), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains($"token ids go up to {dataset.VocabSize - 1} but narrow has a vocabulary of 200", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_ZeroBlocks_SaysTheSplitHasNone()
    {
        using var dataset = OpenChatDataset();
        using var model = RiggedModels.Uniform(dataset.VocabSize);

        var error = Assert.Throws<ArgumentException>(() => ModelEvaluator.Evaluate(dataset, new NamedModel("m", model),
            options: new EvaluationOptions { MaxBlocks = 0 }, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("the validation split has no blocks to evaluate", error.Message, StringComparison.Ordinal);
    }

    private sealed class RecordingProgress : IProgress<EvaluationProgress>
    {
        public List<EvaluationProgress> Reports { get; } = [];

        public void Report(EvaluationProgress value) => Reports.Add(value);
    }
}
