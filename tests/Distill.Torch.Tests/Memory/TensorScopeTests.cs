namespace Distill.Torch.Tests.Memory;

public sealed class TensorScopeTests
{
    [Fact]
    public void End_DisposesEveryTensorCreatedInside()
    {
        Tensor a, b, c;
        using (var scope = TensorScope.Begin())
        {
            a = Tensor.Ones([2]);
            b = a + 1;
            c = b.Sum();
            Assert.Equal(3, scope.Count);
            Assert.Same(scope, TensorScope.Current);
        }

        Assert.True(a.IsDisposed);
        Assert.True(b.IsDisposed);
        Assert.True(c.IsDisposed);
    }

    [Fact]
    public void Nested_InnerEndDisposesOnlyItsOwnTensors()
    {
        using var outer = TensorScope.Begin();
        var kept = Tensor.Ones([1]);
        Tensor inner;

        using (TensorScope.Begin())
        {
            inner = kept * 2;
        }

        Assert.True(inner.IsDisposed);
        Assert.False(kept.IsDisposed);
        Assert.Same(outer, TensorScope.Current);
    }

    [Fact]
    public void MoveToOuterScope_SurvivesTheInnerScope_AndEndsWithTheOuter()
    {
        Tensor moved;
        using (var outer = TensorScope.Begin())
        {
            using (TensorScope.Begin())
            {
                moved = Tensor.Ones([3]).MoveToOuterScope();
            }
            Assert.False(moved.IsDisposed);
            Assert.Equal(3, moved.Sum().ToDouble());
            Assert.Equal(2, outer.Count);
        }

        Assert.True(moved.IsDisposed);
    }

    [Fact]
    public void MoveToOuterScope_FromTheOutermost_LeavesAllScopes()
    {
        Tensor free;
        using (TensorScope.Begin())
        {
            free = Tensor.Ones([1]).MoveToOuterScope();
        }

        Assert.False(free.IsDisposed);
        free.Dispose();
        Assert.True(free.IsDisposed);
    }

    [Fact]
    public void DetachFromScope_SurvivesEveryScope()
    {
        Tensor detached;
        using (TensorScope.Begin())
        {
            using (TensorScope.Begin())
            {
                detached = Tensor.Ones([2]).DetachFromScope();
            }
        }

        Assert.False(detached.IsDisposed);
        Assert.Equal(2, detached.Sum().DetachFromScope().ToDouble());
        detached.Dispose();
    }

    [Fact]
    public void TensorsOutsideAnyScope_AreNotRegistered()
    {
        Assert.Null(TensorScope.Current);
        using var tensor = Tensor.Ones([1]);

        using (var scope = TensorScope.Begin())
        {
            Assert.Equal(0, scope.Count);
        }

        Assert.False(tensor.IsDisposed);
    }

    [Fact]
    public void DisposedEarly_IsNotCountedAndNotDisposedTwice()
    {
        using var scope = TensorScope.Begin();
        var early = Tensor.Ones([1]);
        _ = Tensor.Ones([1]);

        early.Dispose();

        Assert.Equal(1, scope.Count);
        Assert.True(early.IsDisposed);
    }

    [Fact]
    public void EndingOutOfOrder_Throws_AndTheScopesStillEndCorrectlyAfterwards()
    {
        var outer = TensorScope.Begin();
        var outerTensor = Tensor.Ones([1]);
        var inner = TensorScope.Begin();
        var innerTensor = Tensor.Ones([1]);

        var error = Assert.Throws<InvalidOperationException>(outer.Dispose);
        Assert.Contains("reverse order", error.Message, StringComparison.Ordinal);
        Assert.False(outerTensor.IsDisposed);
        Assert.Same(inner, TensorScope.Current);

        inner.Dispose();
        outer.Dispose();
        Assert.True(innerTensor.IsDisposed);
        Assert.True(outerTensor.IsDisposed);
        Assert.Null(TensorScope.Current);
    }

    [Fact]
    public void EndingOnAnotherThread_Throws()
    {
        using var scope = TensorScope.Begin();
        Exception? error = null;

        var thread = new Thread(() => error = Record.Exception(scope.Dispose));
        thread.Start();
        thread.Join();

        Assert.IsType<InvalidOperationException>(error);
        Assert.Contains("thread", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Scopes_ArePerThread()
    {
        using var scope = TensorScope.Begin();
        TensorScope? seenByOtherThread = scope;

        var thread = new Thread(() => seenByOtherThread = TensorScope.Current);
        thread.Start();
        thread.Join();

        Assert.Null(seenByOtherThread);
    }

    [Fact]
    public void Dispose_Twice_IsHarmless()
    {
        var scope = TensorScope.Begin();
        var tensor = Tensor.Ones([1]);

        scope.Dispose();
        scope.Dispose();

        Assert.True(tensor.IsDisposed);
        Assert.Null(TensorScope.Current);
    }
}
