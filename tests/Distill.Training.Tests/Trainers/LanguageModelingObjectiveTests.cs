using Distill.Torch;
using Distill.Training.Data;
using Distill.Training.Models;
using Distill.Training.Trainers;

namespace Distill.Training.Tests.Trainers;

public sealed class LanguageModelingObjectiveTests : TrainerTestFolder
{
    private static MicroBatchContext Context(double lossScale) => new()
    {
        LossScale = lossScale,
        Step = 0,
        TotalSteps = 1,
        MicroBatch = 0,
        Device = Device.Cpu,
        UseAutocast = false,
    };

    /// <summary>A batch of 3 rows of 16 with some targets ignored (as chat prompts are), 40 of 48 counted.</summary>
    private static TokenBatch Batch()
    {
        var random = new DeterministicRandom(3);
        var inputs = Enumerable.Range(0, 48).Select(_ => random.NextInt64(257)).ToArray();
        var targets = Enumerable.Range(0, 48).Select(i => i % 6 == 1 ? TokenBatch.IgnoreIndex : random.NextInt64(257)).ToArray();
        return new TokenBatch(
            Tensor.FromArray(inputs, 3, BlockSize).DetachFromScope(),
            Tensor.FromArray(targets, 3, BlockSize).DetachFromScope(),
            [0, 1, 2],
            targets.Count(t => t != TokenBatch.IgnoreIndex),
            cursorAfter: null);
    }

    private static Dictionary<string, float[]> TakeGradients(CausalLanguageModel model)
    {
        var result = model.NamedParameters().ToDictionary(p => p.Key, p =>
        {
            using var grad = p.Value.Grad;
            Assert.NotNull(grad);
            return grad.ToArray<float>();
        });
        Tensor.ZeroGrad([.. model.Parameters()]);
        return result;
    }

    [Theory]
    [InlineData("gpt2", 1)]
    [InlineData("gpt2", 7)]
    [InlineData("gpt2", 48)]
    [InlineData("llama", 5)]
    [InlineData("llama", 1000)]
    public void ForwardBackward_InChunks_EqualsTheFullLogitsLossAndGradients(string family, int chunkTokens)
    {
        using var model = NewModel(Config(family, dropout: 0));
        using var batch = Batch();
        Assert.Equal(40, batch.TargetCount);
        double expectedLoss;
        using (TensorScope.Begin())
        {
            var logits = model.Forward(batch.InputIds).Logits!;
            var loss = Functional.CrossEntropy(logits.ToFloat32().Reshape(-1, logits.Size(-1)), batch.Targets.Reshape(-1));
            (loss * 0.5).Backward();
            expectedLoss = loss.ToDouble();
        }
        var expected = TakeGradients(model);

        double actualLoss;
        using (TensorScope.Begin())
        {
            actualLoss = new LanguageModelingObjective(model, chunkTokens).ForwardBackward(batch, Context(0.5)).Loss.ToDouble();
        }
        var actual = TakeGradients(model);

        Assert.Equal(expectedLoss, actualLoss, 1e-6);
        foreach (var (name, gradient) in expected)
        {
            var difference = gradient.Zip(actual[name], (x, y) => Math.Abs(x - y)).Max();
            Assert.True(difference <= 1e-6, $"{name}: gradients differ by {difference}");
        }
        Assert.Contains(expected.Values, g => g.Any(v => Math.Abs(v) > 1e-4));
    }

    [Fact]
    public void CrossEntropySum_InChunks_EqualsTheSummedLossWithoutRecordingGradients()
    {
        using var model = NewModel(Gpt2Config(dropout: 0));
        model.Eval();
        using var batch = Batch();
        using var scope = TensorScope.Begin();
        var logits = model.Forward(batch.InputIds).Logits!;
        var expected = Functional.CrossEntropy(logits.Reshape(-1, logits.Size(-1)), batch.Targets.Reshape(-1), reduction: Reduction.Sum).ToDouble();

        var sum = LanguageModelingObjective.CrossEntropySum(model, batch, chunkTokens: 9);

        Assert.Equal(expected, sum.ToDouble(), 1e-4);
        Assert.False(sum.RequiresGrad);
    }

    [Fact]
    public void ForwardBackward_NoCountedTarget_ReturnsZeroWithoutGradients()
    {
        using var model = NewModel(Gpt2Config(dropout: 0));
        using var batch = new TokenBatch(
            Tensor.Zeros([1, BlockSize], DType.Int64).DetachFromScope(),
            Tensor.Full([1, BlockSize], TokenBatch.IgnoreIndex, DType.Int64).DetachFromScope(),
            [0], targetCount: 0, cursorAfter: null);
        using var scope = TensorScope.Begin();

        var output = new LanguageModelingObjective(model).ForwardBackward(batch, Context(1));

        Assert.Equal(0, output.Loss.ToDouble());
        Assert.All(model.Parameters(), p => Assert.Null(p.Grad));
    }
}
