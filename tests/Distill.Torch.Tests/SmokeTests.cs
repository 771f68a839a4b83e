using Distill.Torch;

namespace Distill.Torch.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void Add_TwoTensors_GivesElementwiseSum()
    {
        using var scope = TensorScope.Begin();
        var a = Tensor.FromArray([1f, 2f, 3f], 3);
        var b = Tensor.FromArray([10f, 20f, 30f], 3);
        Assert.Equal([11f, 22f, 33f], (a + b).ToArray<float>());
        Assert.StartsWith("1.13", TorchRuntime.Version, StringComparison.Ordinal);
    }
}
