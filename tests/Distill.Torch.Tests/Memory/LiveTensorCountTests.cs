using Distill.Torch.Optim;

namespace Distill.Torch.Tests.Memory;

[Collection(RunsAlone.Name)]
public sealed class LiveTensorCountTests
{
    [Fact]
    public void TrainingSteps_KeepTheLiveTensorCountFlat()
    {
        using var generator = new Generator(1);
        using var dropout = new Generator(2);
        using var model = new TinyGpt(vocab: 32, dim: 16, heads: 2, maxLength: 16, generator);
        using var optimizer = AdamW.ForModule(model, learningRate: 3e-3, weightDecay: 0.1);
        var schedule = new CosineSchedule(3e-3, 3e-4, WarmupSteps: 5, DecaySteps: 102);
        using var ids = Tensor.RandInt(0, 32, [2, 12], generator).DetachFromScope();
        var parameters = model.Parameters().ToArray();

        double Step(long step)
        {
            using var scope = TensorScope.Begin();
            var loss = model.Loss(ids, dropout);
            loss.Backward();
            var norm = Functional.ClipGradNorm(parameters, 1.0);
            Assert.True(norm.ToDouble() > 0);
            optimizer.LearningRate = schedule.At(step);
            optimizer.Step();
            optimizer.ZeroGrad();
            return loss.ToDouble();
        }

        var first = Step(0);
        Step(1);
        // Anything an earlier test left to the finalizer is freed now, not in the middle of the measurement.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = TorchRuntime.LiveTensorCount;
        var last = 0.0;
        for (var step = 2; step < 102; step++)
        {
            last = Step(step);
        }
        var after = TorchRuntime.LiveTensorCount;

        Assert.Equal(before, after);
        Assert.True(last < first * 0.7, $"the model did not train: loss {first} → {last}");
    }

    [Fact]
    public void Scope_ReturnsTheLiveTensorCountToItsStart()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = TorchRuntime.LiveTensorCount;

        using (TensorScope.Begin())
        {
            var x = Tensor.Ones([4]);
            var parts = (x * 2).Split(1);
            var (values, indices) = x.TopK(2);
            _ = Functional.AttentionWithWeights(Tensor.Ones([1, 1, 2, 2]), Tensor.Ones([1, 1, 2, 2]), Tensor.Ones([1, 1, 2, 2]));
            Assert.True(TorchRuntime.LiveTensorCount >= before + 4 + 2 + 3 + 2);
        }

        Assert.Equal(before, TorchRuntime.LiveTensorCount);
    }

    [Fact]
    public void FailedOperations_LeaveNoNativeTensorBehind()
    {
        using var scope = TensorScope.Begin();
        var a = Tensor.Ones([2, 3]);
        var b = Tensor.Ones([4, 5]);
        var outOfRange = Tensor.FromArray([7L]);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = TorchRuntime.LiveTensorCount;

        for (var i = 0; i < 10; i++)
        {
            Assert.Throws<TorchException>(() => a.MatMul(b));
            Assert.Throws<TorchException>(() => a.TopK(5, 1));
            Assert.Throws<TorchException>(() => a.IndexSelect(1, outOfRange));
            Assert.Throws<TorchException>(() => Functional.AttentionWithWeights(a, a, a));
        }

        Assert.Equal(before, TorchRuntime.LiveTensorCount);
        Assert.Equal(3, scope.Count);
    }
}
