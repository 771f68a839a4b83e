using Distill.Contracts.Methods;
using Distill.Torch;
using Distill.Training.Distillation;
using static Distill.Training.Tests.Distillation.TinyDistillation;

namespace Distill.Training.Tests.Distillation;

/// <summary>Runs alone (see <see cref="LiveTensors"/>).</summary>
[Collection(LiveTensors.Collection)]
public sealed class DistillationTensorLeakTests
{
    [Theory]
    [InlineData("""{"name": "atkd", "weights": {"ce": 1}}""")]
    [InlineData("""{"name": "feature-alignment"}""")]
    [InlineData("""{"name": "ted"}""")]
    public void ForwardBackward_RepeatedInStepScopes_LeavesNoTensorBehind(string json)
    {
        var method = MethodOptions.FromJson(json);
        using var pair = new Pair("llama", method);
        using var objective = pair.Objective(method, chunkTokens: 5);
        using var batch = Batch();
        var parameters = objective.TrainableModules.SelectMany(m => m.Module.Parameters()).ToArray();
        var counts = new List<long>();
        LiveTensors.Settle();

        for (var i = 0; i < 4; i++)
        {
            using (TensorScope.Begin())
            {
                objective.ForwardBackward(batch, Context()).Loss.ToDouble();
            }
            Tensor.ZeroGrad(parameters);
            counts.Add(TorchRuntime.LiveTensorCount);
        }

        Assert.All(counts, c => Assert.Equal(counts[0], c));
    }

    [Fact]
    public void AtkdLoss_ChunkedFlow_LeaksNoTensors()
    {
        var before = LiveTensors.Settle();
        using (TensorScope.Begin())
        {
            var student = Tensor.Randn([2, 6, 7]);
            student.RequiresGrad = true;
            var teacher = Tensor.Randn([2, 6, 7]);
            var targets = Tensor.FromArray([1L, 2L, 3L, -100L, 4L, 5L, 6L, 0L, 1L, 2L, -100L, 3L], 2, 6);
            Atkd.Loss(student, teacher, targets).Backward();
        }
        Assert.Equal(before, TorchRuntime.LiveTensorCount);
    }
}
