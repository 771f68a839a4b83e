using Distill.Torch.Native;

namespace Distill.Torch;

public sealed partial class Tensor
{
    public static unsafe Tensor Full(ReadOnlySpan<long> shape, double value, DType dtype = DType.Float32, Device? device = null)
    {
        fixed (long* s = shape)
        {
            return Wrap(NativeMethods.dt_full(s, shape.Length, value, (int)dtype, (device ?? Device.Cpu).Code, out var h), h);
        }
    }

    public static Tensor Zeros(ReadOnlySpan<long> shape, DType dtype = DType.Float32, Device? device = null) => Full(shape, 0, dtype, device);

    public static Tensor Ones(ReadOnlySpan<long> shape, DType dtype = DType.Float32, Device? device = null) => Full(shape, 1, dtype, device);

    /// <summary>A 0-d tensor.</summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32, Device? device = null) => Full([], value, dtype, device);

    /// <summary>Uninitialised memory; fill it before reading.</summary>
    public static unsafe Tensor Empty(ReadOnlySpan<long> shape, DType dtype = DType.Float32, Device? device = null)
    {
        fixed (long* s = shape)
        {
            return Wrap(NativeMethods.dt_empty(s, shape.Length, (int)dtype, (device ?? Device.Cpu).Code, out var h), h);
        }
    }

    public Tensor ZerosLike() => Zeros(ShapeSpan(), DType, Device);

    public Tensor OnesLike() => Ones(ShapeSpan(), DType, Device);

    public Tensor FullLike(double value) => Full(ShapeSpan(), value, DType, Device);

    private ReadOnlySpan<long> ShapeSpan()
    {
        EnsureInfo();
        return _shape;
    }

    /// <summary>Values from start (inclusive) to end (exclusive) in steps.</summary>
    public static Tensor Arange(double start, double end, double step = 1, DType dtype = DType.Int64, Device? device = null) =>
        Wrap(NativeMethods.dt_arange(start, end, step, (int)dtype, (device ?? Device.Cpu).Code, out var h), h);

    public static Tensor Arange(long end, DType dtype = DType.Int64, Device? device = null) => Arange(0, end, 1, dtype, device);

    /// <summary>Normal samples with the given mean and standard deviation.</summary>
    public static Tensor Randn(ReadOnlySpan<long> shape, Generator? generator = null, double mean = 0, double std = 1, DType dtype = DType.Float32, Device? device = null) =>
        Random(0, shape, mean, std, dtype, device, generator);

    /// <summary>Uniform samples in [low, high).</summary>
    public static Tensor Rand(ReadOnlySpan<long> shape, Generator? generator = null, double low = 0, double high = 1, DType dtype = DType.Float32, Device? device = null) =>
        Random(1, shape, low, high, dtype, device, generator);

    /// <summary>Integers uniform in [low, high).</summary>
    public static Tensor RandInt(long low, long high, ReadOnlySpan<long> shape, Generator? generator = null, DType dtype = DType.Int64, Device? device = null) =>
        Random(2, shape, low, high, dtype, device, generator);

    private static unsafe Tensor Random(int kind, ReadOnlySpan<long> shape, double a, double b, DType dtype, Device? device, Generator? generator)
    {
        fixed (long* s = shape)
        {
            var status = NativeMethods.dt_random(kind, s, shape.Length, a, b, (int)dtype, (device ?? Device.Cpu).Code, Generator.HandleOf(generator), out var h);
            return Wrap(status, h);
        }
    }

    /// <summary>Draws 0 or 1 for each element with the element's probability of 1.</summary>
    public Tensor Bernoulli(Generator? generator = null) =>
        Wrap(NativeMethods.dt_bernoulli(Handle, Generator.HandleOf(generator), out var h), h);

    /// <summary>Samples indices from each row of (unnormalised) probabilities.</summary>
    public Tensor Multinomial(long samples, bool replacement = false, Generator? generator = null) =>
        Wrap(NativeMethods.dt_multinomial(Handle, samples, replacement ? 1 : 0, Generator.HandleOf(generator), out var h), h);

    public static Tensor Cat(ReadOnlySpan<Tensor> tensors, long dim = 0) => ListOp(tensors, dim, stack: false);

    public static Tensor Stack(ReadOnlySpan<Tensor> tensors, long dim = 0) => ListOp(tensors, dim, stack: true);

    private static unsafe Tensor ListOp(ReadOnlySpan<Tensor> tensors, long dim, bool stack)
    {
        using var handles = new HandleList(tensors);
        fixed (nint* p = handles.Raw)
        {
            var status = stack
                ? NativeMethods.dt_stack(p, tensors.Length, dim, out var h)
                : NativeMethods.dt_cat(p, tensors.Length, dim, out h);
            return Wrap(status, h);
        }
    }

    /// <summary>Elements of <paramref name="a"/> where <paramref name="condition"/> holds, else of <paramref name="b"/>.</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return Wrap(NativeMethods.dt_where(condition.Handle, a.Handle, b.Handle, out var h), h);
    }
}
