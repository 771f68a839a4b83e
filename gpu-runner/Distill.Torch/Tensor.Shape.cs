using Distill.Torch.Native;

namespace Distill.Torch;

public sealed partial class Tensor
{
    private unsafe Tensor ShapeOp(delegate*<TensorHandle, long*, int, out TensorHandle, int> op, ReadOnlySpan<long> values)
    {
        fixed (long* p = values)
        {
            return Wrap(op(Handle, p, values.Length, out var h), h);
        }
    }

    /// <summary>A view with a new shape (one dimension may be -1); the tensor must be viewable so.</summary>
    public unsafe Tensor View(params ReadOnlySpan<long> shape) => ShapeOp(&NativeMethods.dt_view, shape);

    /// <summary>A view when possible, otherwise a copy, with a new shape.</summary>
    public unsafe Tensor Reshape(params ReadOnlySpan<long> shape) => ShapeOp(&NativeMethods.dt_reshape, shape);

    /// <summary>Broadcasts size-1 dimensions (-1 keeps a size) without copying.</summary>
    public unsafe Tensor Expand(params ReadOnlySpan<long> shape) => ShapeOp(&NativeMethods.dt_expand, shape);

    public unsafe Tensor Permute(params ReadOnlySpan<long> dims) => ShapeOp(&NativeMethods.dt_permute, dims);

    public unsafe Tensor Flip(params ReadOnlySpan<long> dims) => ShapeOp(&NativeMethods.dt_flip, dims);

    public Tensor Transpose(long dim0, long dim1) => Wrap(NativeMethods.dt_transpose(Handle, dim0, dim1, out var h), h);

    /// <summary>The transpose of the last two dimensions.</summary>
    public Tensor T => Transpose(-2, -1);

    public Tensor Narrow(long dim, long start, long length) => Wrap(NativeMethods.dt_narrow(Handle, dim, start, length, out var h), h);

    public Tensor Slice(long dim, long start, long end, long step = 1) => Wrap(NativeMethods.dt_slice(Handle, dim, start, end, step, out var h), h);

    /// <summary>Removes dimension <paramref name="dim"/> by taking index <paramref name="index"/>.</summary>
    public Tensor Select(long dim, long index) => Wrap(NativeMethods.dt_select(Handle, dim, index, out var h), h);

    public Tensor Unsqueeze(long dim) => Wrap(NativeMethods.dt_unsqueeze(Handle, dim, out var h), h);

    public Tensor Squeeze(long dim) => Wrap(NativeMethods.dt_squeeze(Handle, dim, out var h), h);

    public Tensor Flatten(long start = 0, long end = -1) => Wrap(NativeMethods.dt_flatten(Handle, start, end, out var h), h);

    public Tensor Contiguous() => Wrap(NativeMethods.dt_contiguous(Handle, out var h), h);

    public Tensor RepeatInterleave(long repeats, long dim) => Wrap(NativeMethods.dt_repeat_interleave(Handle, repeats, dim, out var h), h);

    /// <summary>Zeroes the elements below the given diagonal.</summary>
    public Tensor Triu(long diagonal = 0) => Wrap(NativeMethods.dt_triangle(Handle, diagonal, 1, out var h), h);

    /// <summary>Zeroes the elements above the given diagonal.</summary>
    public Tensor Tril(long diagonal = 0) => Wrap(NativeMethods.dt_triangle(Handle, diagonal, 0, out var h), h);

    /// <summary>Splits into pieces of <paramref name="size"/> along <paramref name="dim"/> (the last may be smaller).</summary>
    public unsafe Tensor[] Split(long size, long dim = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var count = (int)((Size((int)dim) + size - 1) / size);
        return SplitOp(count, (outputs, capacity) =>
        {
            var status = NativeMethods.dt_split(Handle, size, dim, outputs, capacity, out var n);
            return (status, n);
        });
    }

    /// <summary>Splits into <paramref name="chunks"/> pieces along <paramref name="dim"/> (fewer if the size is small).</summary>
    public unsafe Tensor[] Chunk(long chunks, long dim = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunks, 1);
        return SplitOp((int)chunks, (outputs, capacity) =>
        {
            var status = NativeMethods.dt_chunk(Handle, chunks, dim, outputs, capacity, out var n);
            return (status, n);
        });
    }

    private unsafe delegate (int Status, int Count) SplitCall(nint* outputs, int capacity);

    private static unsafe Tensor[] SplitOp(int capacity, SplitCall call)
    {
        var raw = new nint[Math.Max(capacity, 1)];
        int status, count;
        fixed (nint* p = raw)
        {
            (status, count) = call(p, raw.Length);
        }
        var result = new Tensor[Math.Min(count, raw.Length)];
        for (var i = 0; i < result.Length; i++)
        {
            var handle = new TensorHandle();
            System.Runtime.InteropServices.Marshal.InitHandle(handle, raw[i]);
            result[i] = new Tensor(handle);
        }
        TorchException.Check(status);
        return result;
    }
}
