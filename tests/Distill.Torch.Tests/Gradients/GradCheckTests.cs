using Distill.Torch.Tests.Support;
using Xunit.Sdk;
using static Distill.Torch.Tests.Support.GradCheck;

namespace Distill.Torch.Tests.Gradients;

/// <summary>The gradient checker itself can fail: a wrong gradient, a hidden float32 step or a float32 output.</summary>
public sealed class GradCheckTests
{
    [Fact]
    public void Check_GradientMissingAFactor_Fails()
    {
        // d(x · detach(x))/dx is x for autograd but 2x numerically.
        var error = Assert.ThrowsAny<XunitException>(() => Check(t => t[0] * t[0].Detach(), Input(1, [3])));

        Assert.Contains("finite differences give", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_ComputationSecretlyInFloat32_Fails()
    {
        Assert.ThrowsAny<XunitException>(() => Check(t => t[0].To(DType.Float32).Exp().To(DType.Float64), Input(2, [2, 2])));
    }

    [Fact]
    public void Check_Float32Output_Fails()
    {
        var error = Assert.ThrowsAny<XunitException>(() => Check(t => t[0].To(DType.Float32), Input(3, [2])));

        Assert.Contains("Float64", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_InputWithoutGradient_Fails()
    {
        var error = Assert.ThrowsAny<XunitException>(() => Check(t => t[0] * 2, Input(4, [2]), Input(5, [2])));

        Assert.Contains("input 1 received no gradient", error.Message, StringComparison.Ordinal);
    }
}
