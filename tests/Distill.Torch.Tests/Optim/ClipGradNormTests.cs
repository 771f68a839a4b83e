using Distill.Torch.Tests.Support;

namespace Distill.Torch.Tests.Optim;

public sealed class ClipGradNormTests
{
    private static Tensor ParameterWithGrad(double[] grad)
    {
        var p = Tensor.Zeros([grad.Length], DType.Float64);
        p.RequiresGrad = true;
        p.SetGrad(Tensor.FromArray(grad));
        return p;
    }

    [Fact]
    public void ClipGradNorm_AboveTheMax_ScalesEveryGradientByMaxOverGlobalNorm()
    {
        using var scope = TensorScope.Begin();
        var a = ParameterWithGrad([3, 4]);
        var b = ParameterWithGrad([12]);
        var none = Tensor.Zeros([2], DType.Float64);
        none.RequiresGrad = true;

        var norm = Functional.ClipGradNorm([a, b, none], maxNorm: 6.5);

        // Global norm √(9 + 16 + 144) = 13; coefficient 6.5 / (13 + 1e-6).
        Assert.Equal(DType.Float32, norm.DType);
        Assert.Equal(0, norm.Rank);
        Assert.Equal(13, norm.ToDouble(), 5);
        var coefficient = 6.5 / (13 + 1e-6);
        TensorAssert.Close([3 * coefficient, 4 * coefficient], a.Grad!, 1e-7);
        TensorAssert.Close([12 * coefficient], b.Grad!, 1e-7);
        Assert.Null(none.Grad);
    }

    [Fact]
    public void ClipGradNorm_UnderTheMax_LeavesGradientsUnchanged()
    {
        using var scope = TensorScope.Begin();
        var a = ParameterWithGrad([0.3, -0.4]);

        var norm = Functional.ClipGradNorm([a], maxNorm: 1);

        Assert.Equal(0.5, norm.ToDouble(), 6);
        TensorAssert.Close([0.3, -0.4], a.Grad!, 0);
    }

    [Fact]
    public void ClipGradNorm_NoGradients_ReturnsZero()
    {
        using var scope = TensorScope.Begin();
        var p = Tensor.Ones([2]);
        p.RequiresGrad = true;

        Assert.Equal(0, Functional.ClipGradNorm([p], 1).ToDouble());
    }

    [Fact]
    public void ClipGradNorm_NonPositiveMax_Throws()
    {
        using var scope = TensorScope.Begin();

        var error = Assert.Throws<TorchException>(() => Functional.ClipGradNorm([ParameterWithGrad([1])], 0));

        Assert.Contains("max_norm must be positive", error.Message, StringComparison.Ordinal);
    }
}
