using Distill.Torch.Native;

namespace Distill.Torch.Tests.Errors;

public sealed class TorchErrorTests
{
    [Fact]
    public void MatMul_ShapeMismatch_ThrowsLibtorchsMessageWithoutBacktrace()
    {
        using var scope = TensorScope.Begin();
        var a = Tensor.Ones([2, 3]);
        var b = Tensor.Ones([4, 5]);

        var error = Assert.Throws<TorchException>(() => a.MatMul(b));

        Assert.Equal("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)", error.Message);
        Assert.Equal(1, error.Status);
        Assert.Equal(2, scope.Count);
    }

    [Fact]
    public void Linear_ShapeMismatch_ThrowsLibtorchsMessage()
    {
        using var scope = TensorScope.Begin();

        var error = Assert.Throws<TorchException>(() => Functional.Linear(Tensor.Ones([2, 3]), Tensor.Ones([4, 5])));

        Assert.Contains("cannot be multiplied (2x3 and 5x4)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IndexSelect_IndexOutOfRange_IsAnInvalidArgument()
    {
        using var scope = TensorScope.Begin();

        var error = Assert.Throws<TorchException>(() => Tensor.Ones([3, 2]).IndexSelect(0, Tensor.FromArray([5L])));

        Assert.Contains("index out of range in self", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, error.Status);
    }

    [Fact]
    public void Embedding_IdOutOfRange_ThrowsInsteadOfReadingPastTheTable()
    {
        using var scope = TensorScope.Begin();

        var error = Assert.Throws<TorchException>(() => Functional.Embedding(Tensor.Ones([3, 2]), Tensor.FromArray([1L, 7L])));

        Assert.Contains("index out of range in self", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gather_IndexOutOfBounds_ThrowsLibtorchsMessage()
    {
        using var scope = TensorScope.Begin();

        var error = Assert.Throws<TorchException>(() => Tensor.Ones([2]).Gather(0, Tensor.FromArray([3L])));

        Assert.Contains("index 3 is out of bounds for dimension 0 with size 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MatMul_MismatchedDTypes_ThrowsLibtorchsMessage()
    {
        using var scope = TensorScope.Begin();

        var error = Assert.Throws<TorchException>(() => Tensor.Ones([2, 3]).MatMul(Tensor.Ones([3, 2], DType.Float64)));

        Assert.Contains("expected scalar type Float but found Double", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_ShapesThatDoNotBroadcast_ThrowsLibtorchsMessage()
    {
        using var scope = TensorScope.Begin();

        var error = Assert.Throws<TorchException>(() => Tensor.Ones([2, 3]) + Tensor.Ones([4]));

        Assert.Contains("The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CatViewCrossEntropy_BadInputs_ThrowLibtorchsMessages()
    {
        using var scope = TensorScope.Begin();

        var cat = Assert.Throws<TorchException>(() => Tensor.Cat([Tensor.Ones([2, 3]), Tensor.Ones([2, 4])]));
        var view = Assert.Throws<TorchException>(() => Tensor.Ones([2, 3]).View(4));
        var loss = Assert.Throws<TorchException>(() => Functional.CrossEntropy(Tensor.Ones([2, 3]), Tensor.FromArray([0L, 5L])));

        Assert.Contains("Sizes of tensors must match except in dimension 0", cat.Message, StringComparison.Ordinal);
        Assert.Contains("shape '[4]' is invalid for input of size 6", view.Message, StringComparison.Ordinal);
        Assert.Contains("Target 5 is out of bounds", loss.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HostAllocationFailure_IsTorchOutOfMemoryException()
    {
        var error = Assert.Throws<TorchOutOfMemoryException>(() => Tensor.Empty([1L << 50], DType.Float32));

        Assert.Contains("can't allocate memory", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, error.Status);
    }

    [Fact]
    public void UnknownDTypeCode_IsAnInvalidArgumentNamingIt()
    {
        var error = Assert.Throws<TorchException>(() => Tensor.Zeros([1], (DType)99));

        Assert.Equal("unknown dtype code 99", error.Message);
        Assert.Equal(3, error.Status);
    }

    [Fact]
    public void ErrorMessage_DoesNotLeakIntoLaterCalls()
    {
        using var scope = TensorScope.Begin();
        var a = Tensor.Ones([2, 3]);

        Assert.Throws<TorchException>(() => a.MatMul(Tensor.Ones([4, 5])));
        var fine = a.MatMul(Tensor.Ones([3, 1]));
        var next = Assert.Throws<TorchException>(() => a.IndexSelect(0, Tensor.FromArray([9L])));

        Assert.Equal([3.0, 3.0], fine.ToArray<float>().Select(v => (double)v));
        Assert.DoesNotContain("cannot be multiplied", next.Message, StringComparison.Ordinal);
        Assert.Contains("index out of range", next.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ErrorMessages_ArePerThread()
    {
        using var scope = TensorScope.Begin();
        var a = Tensor.Ones([2, 3]);

        // Fail on this thread without reading the message yet, fail differently on another thread, then read.
        var status = NativeMethods.dt_matmul(a.Handle, a.Handle, out var result);
        string? otherMessage = null;
        var thread = new Thread(() =>
        {
            using var threadScope = TensorScope.Begin();
            otherMessage = Record.Exception(() => Tensor.Ones([2]).Gather(0, Tensor.FromArray([4L])))?.Message;
        });
        thread.Start();
        thread.Join();
        var mine = TorchException.FromStatus(status);
        result.Dispose();

        Assert.Equal("mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)", mine.Message);
        Assert.Contains("index 4 is out of bounds", otherMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void DisposedTensor_ThrowsObjectDisposedException()
    {
        using var scope = TensorScope.Begin();
        var live = Tensor.Ones([2]);
        var disposed = Tensor.Ones([2]);
        disposed.Dispose();

        Assert.Throws<ObjectDisposedException>(() => disposed.Exp());
        Assert.Throws<ObjectDisposedException>(() => disposed.Shape);
        Assert.Throws<ObjectDisposedException>(() => live + disposed);
        Assert.Throws<ObjectDisposedException>(() => Tensor.Cat([live, disposed]));
        Assert.Throws<ObjectDisposedException>(() => disposed.ToArray<float>());
        Assert.Equal("Tensor(disposed)", disposed.ToString());
        disposed.Dispose();
        Assert.Equal([2.0, 2.0], (live * 2).ToArray<float>().Select(v => (double)v));
    }

    [Fact]
    public void DisposedByItsScope_ThrowsObjectDisposedException()
    {
        Tensor escaped;
        using (TensorScope.Begin())
        {
            escaped = Tensor.Ones([1]);
        }

        Assert.Throws<ObjectDisposedException>(() => escaped.ToDouble());
    }

    [Fact]
    public void NullArguments_ThrowArgumentNullException()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.Ones([2]);

        Assert.Throws<ArgumentNullException>(() => x + (Tensor)null!);
        Assert.Throws<ArgumentNullException>(() => x.MatMul(null!));
        Assert.Throws<ArgumentNullException>(() => Functional.CrossEntropy(x, null!));
    }

    [Fact]
    public void Backward_OnATensorWithoutGrad_ThrowsLibtorchsMessage()
    {
        using var scope = TensorScope.Begin();

        var error = Assert.Throws<TorchException>(() => Tensor.Ones([1]).Sum().Backward());

        Assert.Contains("does not require grad", error.Message, StringComparison.Ordinal);
    }
}
