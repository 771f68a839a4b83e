using Distill.Torch.Tests.Support;

namespace Distill.Torch.Tests.Autograd;

public sealed class AutogradTests
{
    private static Tensor Leaf(params double[] values)
    {
        var leaf = Tensor.FromArray(values);
        leaf.RequiresGrad = true;
        return leaf;
    }

    [Fact]
    public void RequiresGrad_OffByDefault_PropagatesThroughOps()
    {
        using var scope = TensorScope.Begin();
        var constant = Tensor.FromArray([1.0, 2.0]);
        var leaf = Leaf(3, 4);

        var result = leaf * constant;

        Assert.False(constant.RequiresGrad);
        Assert.True(leaf.RequiresGrad);
        Assert.True(leaf.IsLeaf);
        Assert.True(result.RequiresGrad);
        Assert.False(result.IsLeaf);
        Assert.False((constant * 2).RequiresGrad);
    }

    [Fact]
    public void Grad_IsNullBeforeBackward_ThenHoldsTheDerivative()
    {
        using var scope = TensorScope.Begin();
        var x = Leaf(1, 2, 3);

        Assert.Null(x.Grad);
        (x * x).Sum().Backward();

        var grad = x.Grad;
        Assert.NotNull(grad);
        TensorAssert.Equal([2, 4, 6], grad, 3);
    }

    [Fact]
    public void Backward_TwoCalls_AccumulateIntoGrad()
    {
        using var scope = TensorScope.Begin();
        var x = Leaf(1, 2);

        (x * 3).Sum().Backward();
        (x * x).Sum().Backward();

        TensorAssert.Equal([3 + 2, 3 + 4], x.Grad!, 2);
    }

    [Fact]
    public void Backward_RetainGraph_AllowsASecondPassThroughTheSameGraph()
    {
        using var scope = TensorScope.Begin();
        var x = Leaf(2);
        var loss = (x * x * x).Sum();

        loss.Backward(retainGraph: true);
        loss.Backward();

        TensorAssert.Equal([24], x.Grad!, 1);
    }

    [Fact]
    public void Backward_SecondPassWithoutRetain_ThrowsLibtorchsMessage()
    {
        using var scope = TensorScope.Begin();
        var x = Leaf(2);
        var loss = x.Exp().Sum();
        loss.Backward();

        var error = Assert.Throws<TorchException>(() => loss.Backward());

        Assert.Contains("Trying to backward through the graph a second time", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Backward_NonScalarWithExplicitGradient_WeighsEachOutput()
    {
        using var scope = TensorScope.Begin();
        var x = Leaf(1, 2, 3);

        (x * x).Backward(Tensor.FromArray([1.0, 0.5, -1.0]));

        TensorAssert.Equal([2, 2, -6], x.Grad!, 3);
    }

    [Fact]
    public void ZeroGrad_SetsGradientsToNone()
    {
        using var scope = TensorScope.Begin();
        var a = Leaf(1);
        var b = Leaf(2);
        (a * b).Sum().Backward();
        Assert.NotNull(a.Grad);

        Tensor.ZeroGrad([a, b]);

        Assert.Null(a.Grad);
        Assert.Null(b.Grad);
        (a * 5).Sum().Backward();
        TensorAssert.Equal([5], a.Grad!, 1);
    }

    [Fact]
    public void SetGrad_ReplacesOrRemovesTheGradient()
    {
        using var scope = TensorScope.Begin();
        var x = Leaf(1, 1);

        x.SetGrad(Tensor.FromArray([7.0, 8.0]));
        TensorAssert.Equal([7, 8], x.Grad!, 2);
        (x * 2).Sum().Backward();
        TensorAssert.Equal([9, 10], x.Grad!, 2);
        x.SetGrad(null);
        Assert.Null(x.Grad);
    }

    [Fact]
    public void GradHandle_DisposedByItsScope_LeavesTheGradientInPlace()
    {
        using var scope = TensorScope.Begin();
        var x = Leaf(1);
        (x * 4).Sum().Backward();

        using (TensorScope.Begin())
        {
            _ = x.Grad;
        }

        TensorAssert.Equal([4], x.Grad!, 1);
    }

    [Fact]
    public void Detach_CutsTheGraphAndSharesTheData()
    {
        using var scope = TensorScope.Begin();
        var x = Leaf(3);

        var detached = x.Detach();
        (x * detached).Sum().Backward();

        Assert.False(detached.RequiresGrad);
        Assert.True(detached.SharesStorageWith(x));
        // d(x · c)/dx with c = x held constant: 3, not 2x = 6.
        TensorAssert.Equal([3], x.Grad!, 1);
    }

    [Fact]
    public void CloneAndAlias_KeepTheGraph()
    {
        using var scope = TensorScope.Begin();
        var x = Leaf(3);

        (x.Clone() * x.Alias()).Sum().Backward();

        TensorAssert.Equal([6], x.Grad!, 1);
        Assert.False(x.Clone().SharesStorageWith(x));
        Assert.True(x.Alias().SharesStorageWith(x));
    }

    [Fact]
    public void NoGrad_StopsRecordingAndRestoresOnDispose()
    {
        using var scope = TensorScope.Begin();
        var x = Leaf(1);
        Assert.True(TorchRuntime.IsGradEnabled);

        Tensor inside;
        using (TorchRuntime.NoGrad())
        {
            Assert.False(TorchRuntime.IsGradEnabled);
            inside = x * 2;
        }

        Assert.True(TorchRuntime.IsGradEnabled);
        Assert.False(inside.RequiresGrad);
        Assert.True((x * 2).RequiresGrad);
    }

    [Fact]
    public void NoGrad_Nested_InnerExitKeepsTheOuterRegion()
    {
        using (TorchRuntime.NoGrad())
        {
            using (TorchRuntime.NoGrad())
            {
                Assert.False(TorchRuntime.IsGradEnabled);
            }
            Assert.False(TorchRuntime.IsGradEnabled);
        }
        Assert.True(TorchRuntime.IsGradEnabled);
    }

    [Fact]
    public void EnableGrad_InsideNoGrad_RecordsUntilDisposed()
    {
        using var scope = TensorScope.Begin();
        var x = Leaf(1);

        using (TorchRuntime.NoGrad())
        {
            using (TorchRuntime.EnableGrad())
            {
                Assert.True(TorchRuntime.IsGradEnabled);
                Assert.True((x * 2).RequiresGrad);
            }
            Assert.False(TorchRuntime.IsGradEnabled);
            Assert.False((x * 2).RequiresGrad);
        }
        Assert.True(TorchRuntime.IsGradEnabled);
    }

    [Fact]
    public void GradMode_IsPerThread()
    {
        var otherThreadEnabled = false;

        using (TorchRuntime.NoGrad())
        {
            var thread = new Thread(() => otherThreadEnabled = TorchRuntime.IsGradEnabled);
            thread.Start();
            thread.Join();
            Assert.False(TorchRuntime.IsGradEnabled);
        }

        Assert.True(otherThreadEnabled);
    }

    [Fact]
    public void InPlaceUnderNoGrad_UpdatesALeafParameter()
    {
        using var scope = TensorScope.Begin();
        var p = Leaf(1, 2);

        using (TorchRuntime.NoGrad())
        {
            p.AddInPlace(Tensor.FromArray([0.5, 0.5]));
        }

        Assert.True(p.IsLeaf);
        TensorAssert.Equal([1.5, 2.5], p, 2);
        var error = Assert.Throws<TorchException>(() => p.AddInPlace(1));
        Assert.Contains("a leaf Variable that requires grad is being used in an in-place operation", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SetData_ChangesDTypeButKeepsIdentityAndRequiresGrad()
    {
        using var scope = TensorScope.Begin();
        var p = Leaf(1, 2);

        p.SetData(Tensor.FromArray([3f, 4f, 5f]));

        Assert.Equal(DType.Float32, p.DType);
        Assert.Equal([3L], p.Shape);
        Assert.True(p.RequiresGrad);
        Assert.True(p.IsLeaf);
        TensorAssert.Equal([3, 4, 5], p, 3);
    }
}
