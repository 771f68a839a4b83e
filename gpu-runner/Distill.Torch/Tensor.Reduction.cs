using Distill.Torch.Native;

namespace Distill.Torch;

public sealed partial class Tensor
{
    private unsafe Tensor Reduce(ReduceOp op, ReadOnlySpan<long> dims, bool keepDim, DType? dtype = null)
    {
        fixed (long* p = dims)
        {
            return Wrap(NativeMethods.dt_reduce((int)op, Handle, p, dims.Length, keepDim ? 1 : 0, dtype.HasValue ? (int)dtype.Value : -1, out var h), h);
        }
    }

    /// <summary>The sum of every element, as a 0-d tensor.</summary>
    public Tensor Sum(DType? dtype = null) => Reduce(ReduceOp.Sum, [], false, dtype);

    public Tensor Sum(long dim, bool keepDim = false, DType? dtype = null) => Reduce(ReduceOp.Sum, [dim], keepDim, dtype);

    // The int overloads of Sum, Mean and Prod exist for the literal 0: C# converts a constant 0 to any enum, so without
    // them x.Sum(0) would bind to Sum(DType? dtype) and sum every element as Float32 instead of reducing dimension 0.

    /// <summary>The sum along one dimension.</summary>
    public Tensor Sum(int dim, bool keepDim = false, DType? dtype = null) => Sum((long)dim, keepDim, dtype);

    public Tensor Sum(ReadOnlySpan<long> dims, bool keepDim = false, DType? dtype = null) => Reduce(ReduceOp.Sum, dims, keepDim, dtype);

    public Tensor Mean(DType? dtype = null) => Reduce(ReduceOp.Mean, [], false, dtype);

    public Tensor Mean(long dim, bool keepDim = false, DType? dtype = null) => Reduce(ReduceOp.Mean, [dim], keepDim, dtype);

    /// <summary>The mean along one dimension.</summary>
    public Tensor Mean(int dim, bool keepDim = false, DType? dtype = null) => Mean((long)dim, keepDim, dtype);

    public Tensor Mean(ReadOnlySpan<long> dims, bool keepDim = false) => Reduce(ReduceOp.Mean, dims, keepDim);

    public Tensor Prod(DType? dtype = null) => Reduce(ReduceOp.Prod, [], false, dtype);

    public Tensor Prod(long dim, bool keepDim = false) => Reduce(ReduceOp.Prod, [dim], keepDim);

    /// <summary>The product along one dimension.</summary>
    public Tensor Prod(int dim, bool keepDim = false) => Prod((long)dim, keepDim);

    /// <summary>The largest element, as a 0-d tensor.</summary>
    public Tensor Max() => Reduce(ReduceOp.AMax, [], false);

    public Tensor Min() => Reduce(ReduceOp.AMin, [], false);

    public Tensor AMax(long dim, bool keepDim = false) => Reduce(ReduceOp.AMax, [dim], keepDim);

    public Tensor AMin(long dim, bool keepDim = false) => Reduce(ReduceOp.AMin, [dim], keepDim);

    public Tensor LogSumExp(long dim, bool keepDim = false) => Reduce(ReduceOp.LogSumExp, [dim], keepDim);

    /// <summary>The L2 norm over every element.</summary>
    public Tensor Norm() => Reduce(ReduceOp.Norm2, [], false);

    public Tensor Norm(long dim, bool keepDim = false) => Reduce(ReduceOp.Norm2, [dim], keepDim);

    /// <summary>The population variance (divides by n).</summary>
    public Tensor Var(long dim, bool keepDim = false) => Reduce(ReduceOp.Var, [dim], keepDim);

    public Tensor Std(long dim, bool keepDim = false) => Reduce(ReduceOp.Std, [dim], keepDim);

    public Tensor Any() => Reduce(ReduceOp.Any, [], false);

    public Tensor All() => Reduce(ReduceOp.All, [], false);

    public Tensor Any(long dim, bool keepDim = false) => Reduce(ReduceOp.Any, [dim], keepDim);

    public Tensor All(long dim, bool keepDim = false) => Reduce(ReduceOp.All, [dim], keepDim);

    private (Tensor Values, Tensor Indices) IndexedReduce(int kind, long k, long dim, bool keepDim)
    {
        var status = NativeMethods.dt_reduce_with_index(kind, Handle, k, dim, keepDim ? 1 : 0, out var values, out var indices);
        return Pair(status, values, indices);
    }

    private static (Tensor, Tensor) Pair(int status, TensorHandle first, TensorHandle second)
    {
        if (status != 0)
        {
            var error = TorchException.FromStatus(status);
            first.Dispose();
            second.Dispose();
            throw error;
        }
        return (new Tensor(first), new Tensor(second));
    }

    public (Tensor Values, Tensor Indices) Max(long dim, bool keepDim = false) => IndexedReduce(0, 0, dim, keepDim);

    public (Tensor Values, Tensor Indices) Min(long dim, bool keepDim = false) => IndexedReduce(1, 0, dim, keepDim);

    /// <summary>The lower median along a dimension.</summary>
    public (Tensor Values, Tensor Indices) Median(long dim, bool keepDim = false) => IndexedReduce(2, 0, dim, keepDim);

    /// <summary>The k-th smallest element (1-based) along a dimension.</summary>
    public (Tensor Values, Tensor Indices) KthValue(long k, long dim = -1, bool keepDim = false) => IndexedReduce(3, k, dim, keepDim);

    /// <summary>The lower median of every element, as a 0-d tensor.</summary>
    public Tensor Median() => Wrap(NativeMethods.dt_median_all(Handle, out var h), h);

    public Tensor ArgMax() => Wrap(NativeMethods.dt_argmax(Handle, long.MinValue, 0, out var h), h);

    public Tensor ArgMax(long dim, bool keepDim = false) => Wrap(NativeMethods.dt_argmax(Handle, dim, keepDim ? 1 : 0, out var h), h);

    public Tensor ArgMin(long dim, bool keepDim = false) => Wrap(NativeMethods.dt_argmin(Handle, dim, keepDim ? 1 : 0, out var h), h);

    public (Tensor Values, Tensor Indices) TopK(long k, long dim = -1, bool largest = true, bool sorted = true)
    {
        var status = NativeMethods.dt_topk(Handle, k, dim, largest ? 1 : 0, sorted ? 1 : 0, out var values, out var indices);
        return Pair(status, values, indices);
    }

    public (Tensor Values, Tensor Indices) Sort(long dim = -1, bool descending = false, bool stable = false)
    {
        var status = NativeMethods.dt_sort(Handle, dim, descending ? 1 : 0, stable ? 1 : 0, out var values, out var indices);
        return Pair(status, values, indices);
    }

    public Tensor CumSum(long dim) => Wrap(NativeMethods.dt_cumsum(Handle, dim, out var h), h);

    // ---- indexing ----
    public Tensor Gather(long dim, Tensor index)
    {
        ArgumentNullException.ThrowIfNull(index);
        return Wrap(NativeMethods.dt_gather(Handle, dim, index.Handle, out var h), h);
    }

    /// <summary>A copy with <paramref name="source"/> written at <paramref name="index"/> along <paramref name="dim"/>.</summary>
    public Tensor Scatter(long dim, Tensor index, Tensor source)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(source);
        return Wrap(NativeMethods.dt_scatter(Handle, dim, index.Handle, source.Handle, 0, out var h), h);
    }

    /// <summary>A copy with <paramref name="source"/> added at <paramref name="index"/> along <paramref name="dim"/>.</summary>
    public Tensor ScatterAdd(long dim, Tensor index, Tensor source)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(source);
        return Wrap(NativeMethods.dt_scatter(Handle, dim, index.Handle, source.Handle, 1, out var h), h);
    }

    public Tensor IndexSelect(long dim, Tensor index)
    {
        ArgumentNullException.ThrowIfNull(index);
        return Wrap(NativeMethods.dt_index_select(Handle, dim, index.Handle, out var h), h);
    }

    /// <summary>The elements where <paramref name="mask"/> is true, as a 1-d tensor.</summary>
    public Tensor MaskedSelect(Tensor mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        return Wrap(NativeMethods.dt_masked_select(Handle, mask.Handle, out var h), h);
    }

    /// <summary>The indices of non-zero elements, [count, rank].</summary>
    public Tensor NonZero() => Wrap(NativeMethods.dt_nonzero(Handle, out var h), h);
}
