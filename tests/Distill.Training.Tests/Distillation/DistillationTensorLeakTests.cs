using Distill.Contracts.Methods;
using Distill.Torch;
using Distill.Training.Tests.Trainers;
using static Distill.Training.Tests.Distillation.TinyDistillation;

namespace Distill.Training.Tests.Distillation;

/// <summary>Runs alone (see <see cref="IsolatedTensorCount"/>).</summary>
[Collection(nameof(IsolatedTensorCount))]
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
}
