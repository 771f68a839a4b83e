using System.Runtime.InteropServices;
using Distill.Torch.Native;

namespace Distill.Torch;

/// <summary>
/// A libtorch tensor. Each instance owns one reference to the native tensor through a SafeHandle; dispose it, or
/// create it inside a <see cref="TensorScope"/> that disposes it. Operations return new tensors.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    private readonly TensorHandle _handle;
    private long[]? _shape;
    private DType _dtype;
    private Device _device;

    internal Tensor(TensorHandle handle)
    {
        _handle = handle;
        TensorScope.Register(this);
    }

    /// <summary>The scope that will dispose this tensor, if any.</summary>
    internal TensorScope? Scope { get; set; }

    internal TensorHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _handle;
        }
    }

    public bool IsDisposed => _handle.IsClosed;

    public void Dispose() => _handle.Dispose();

    /// <summary>Moves the tensor to the enclosing scope (or out of all scopes), so it outlives the current one.</summary>
    public Tensor MoveToOuterScope()
    {
        var outer = Scope?.Outer;
        if (outer is null)
        {
            Scope = null;
        }
        else
        {
            outer.Adopt(this);
        }
        return this;
    }

    /// <summary>Takes the tensor out of every scope: the caller disposes it (parameters, optimizer state, caches).</summary>
    public Tensor DetachFromScope()
    {
        Scope = null;
        return this;
    }

    internal static Tensor Wrap(int status, TensorHandle handle)
    {
        if (status != 0)
        {
            var error = TorchException.FromStatus(status);
            handle.Dispose();
            throw error;
        }
        return new Tensor(handle);
    }

    private void EnsureInfo()
    {
        if (_shape is not null)
        {
            return;
        }
        TorchException.Check(NativeMethods.dt_tensor_info(Handle, out var dtype, out var device, out var rank, out _));
        var shape = new long[rank];
        unsafe
        {
            fixed (long* p = shape)
            {
                TorchException.Check(NativeMethods.dt_tensor_shape(Handle, p, rank));
            }
        }
        _dtype = (DType)dtype;
        _device = Device.FromCode(device);
        _shape = shape;
    }

    public DType DType
    {
        get
        {
            EnsureInfo();
            return _dtype;
        }
    }

    public Device Device
    {
        get
        {
            EnsureInfo();
            return _device;
        }
    }

    public int Rank
    {
        get
        {
            EnsureInfo();
            return _shape!.Length;
        }
    }

    /// <summary>A copy of the shape.</summary>
    public long[] Shape
    {
        get
        {
            EnsureInfo();
            return (long[])_shape!.Clone();
        }
    }

    /// <summary>The size of one dimension; negative dimensions count from the end.</summary>
    public long Size(int dim)
    {
        EnsureInfo();
        var d = dim < 0 ? dim + _shape!.Length : dim;
        if ((uint)d >= (uint)_shape!.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(dim), dim, $"dimension out of range for a tensor of rank {_shape.Length}");
        }
        return _shape[d];
    }

    public long NumElements
    {
        get
        {
            EnsureInfo();
            long n = 1;
            foreach (var s in _shape!)
            {
                n *= s;
            }
            return n;
        }
    }

    public long ByteCount => NumElements * DType.ElementSize();

    public bool IsContiguous
    {
        get
        {
            TorchException.Check(NativeMethods.dt_tensor_is_contiguous(Handle, out var value));
            return value != 0;
        }
    }

    /// <summary>True when both tensors view the same storage.</summary>
    public bool SharesStorageWith(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        TorchException.Check(NativeMethods.dt_tensor_same_storage(Handle, other.Handle, out var value));
        return value != 0;
    }

    public override string ToString() =>
        IsDisposed ? "Tensor(disposed)" : $"Tensor[{string.Join(", ", Shape)}] {DType.ToString().ToLowerInvariant()} {Device}";

    // ---- host data ----

    /// <summary>A tensor holding a copy of <paramref name="data"/> with the given shape.</summary>
    public static Tensor FromArray<T>(T[] data, params long[] shape)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        return FromSpan<T>(data, shape.Length == 0 ? [data.LongLength] : shape);
    }

    /// <summary>
    /// A tensor holding a copy of <paramref name="data"/>. <paramref name="dtype"/> defaults to the dtype of
    /// <typeparamref name="T"/>; pass DType.BFloat16 with ushort data for bfloat16.
    /// </summary>
    public static unsafe Tensor FromSpan<T>(ReadOnlySpan<T> data, ReadOnlySpan<long> shape, DType? dtype = null, Device? device = null)
        where T : unmanaged
    {
        var type = dtype ?? DTypeExtensions.Of<T>();
        if (type.ElementSize() != sizeof(T))
        {
            throw new ArgumentException($"{typeof(T).Name} elements cannot hold {type} data", nameof(dtype));
        }
        var count = CountElements(shape);
        if (count != data.Length)
        {
            throw new ArgumentException($"shape [{string.Join(", ", shape.ToArray())}] needs {count} elements but {data.Length} were given", nameof(data));
        }
        fixed (T* p = data)
        fixed (long* s = shape)
        {
            var status = NativeMethods.dt_from_data(p, s, shape.Length, (int)type, (device ?? Device.Cpu).Code, out var handle);
            return Wrap(status, handle);
        }
    }

    /// <summary>A tensor from raw little-endian bytes (safetensors payloads).</summary>
    public static unsafe Tensor FromBytes(ReadOnlySpan<byte> bytes, ReadOnlySpan<long> shape, DType dtype, Device? device = null)
    {
        var expected = CountElements(shape) * dtype.ElementSize();
        if (expected != bytes.Length)
        {
            throw new ArgumentException($"shape [{string.Join(", ", shape.ToArray())}] of {dtype} needs {expected} bytes but {bytes.Length} were given", nameof(bytes));
        }
        fixed (byte* p = bytes)
        {
            return FromHostMemory(p, bytes.Length, shape, dtype, device);
        }
    }

    /// <summary>
    /// A tensor holding a copy of <paramref name="byteCount"/> bytes at <paramref name="data"/>, which must stay valid
    /// for the call. Takes a pointer and a 64-bit length so that payloads over 2 GiB (memory-mapped checkpoints) work.
    /// </summary>
    internal static unsafe Tensor FromHostMemory(void* data, long byteCount, ReadOnlySpan<long> shape, DType dtype, Device? device = null)
    {
        var expected = CountElements(shape) * dtype.ElementSize();
        if (expected != byteCount)
        {
            throw new ArgumentException($"shape [{string.Join(", ", shape.ToArray())}] of {dtype} needs {expected} bytes but {byteCount} were given", nameof(byteCount));
        }
        fixed (long* s = shape)
        {
            var status = NativeMethods.dt_from_data(data, s, shape.Length, (int)dtype, (device ?? Device.Cpu).Code, out var handle);
            return Wrap(status, handle);
        }
    }

    /// <summary>Copies the elements to a new managed array (moving them to the CPU if needed).</summary>
    public T[] ToArray<T>()
        where T : unmanaged
    {
        var result = new T[NumElements];
        CopyTo<T>(result);
        return result;
    }

    /// <summary>Copies the elements into <paramref name="destination"/>, which must have exactly the tensor's size.</summary>
    public unsafe void CopyTo<T>(Span<T> destination)
        where T : unmanaged
    {
        if (sizeof(T) != DType.ElementSize())
        {
            throw new InvalidOperationException($"a {DType} tensor cannot be read as {typeof(T).Name}");
        }
        fixed (T* p = destination)
        {
            TorchException.Check(NativeMethods.dt_copy_to_host(Handle, p, (long)destination.Length * sizeof(T)));
        }
    }

    /// <summary>The raw bytes of the elements, in row-major order.</summary>
    public byte[] ToBytes()
    {
        var result = new byte[ByteCount];
        CopyBytesTo(result);
        return result;
    }

    /// <summary>Copies the raw bytes of the elements, in row-major order, into a buffer of exactly <see cref="ByteCount"/> bytes.</summary>
    internal unsafe void CopyBytesTo(Span<byte> destination)
    {
        fixed (byte* p = destination)
        {
            TorchException.Check(NativeMethods.dt_copy_to_host(Handle, p, destination.Length));
        }
    }

    /// <summary>The value of a one-element tensor.</summary>
    public double ToDouble()
    {
        TorchException.Check(NativeMethods.dt_item(Handle, out var value));
        return value;
    }

    public float ToSingle() => (float)ToDouble();

    /// <summary>The value of a one-element tensor as an integer (exact for every int64, unlike a trip through double).</summary>
    public long ToInt64()
    {
        if (DType.IsFloatingPoint() || DType == DType.Bool)
        {
            return (long)ToDouble();
        }
        Span<long> value = stackalloc long[1];
        using var asInt64 = To(DType.Int64).DetachFromScope();
        asInt64.CopyTo(value);
        return value[0];
    }

    public bool ToBoolean() => ToDouble() != 0;

    internal static long CountElements(ReadOnlySpan<long> shape)
    {
        long n = 1;
        foreach (var s in shape)
        {
            if (s < 0)
            {
                throw new ArgumentException($"negative dimension {s} in shape [{string.Join(", ", shape.ToArray())}]", nameof(shape));
            }
            n = checked(n * s);
        }
        return n;
    }

    /// <summary>Holds a reference on every handle of a tensor list for the duration of a native call.</summary>
    internal readonly struct HandleList : IDisposable
    {
        private readonly TensorHandle[] _handles;

        public HandleList(ReadOnlySpan<Tensor> tensors)
        {
            _handles = new TensorHandle[tensors.Length];
            Raw = new nint[tensors.Length];
            var added = 0;
            try
            {
                for (; added < tensors.Length; added++)
                {
                    var ok = false;
                    var handle = tensors[added].Handle;
                    handle.DangerousAddRef(ref ok);
                    _handles[added] = handle;
                    Raw[added] = handle.DangerousGetHandle();
                }
            }
            catch
            {
                for (var i = 0; i < added; i++)
                {
                    _handles[i].DangerousRelease();
                }
                throw;
            }
        }

        public nint[] Raw { get; }

        public void Dispose()
        {
            foreach (var handle in _handles)
            {
                handle.DangerousRelease();
            }
        }
    }

    internal static TensorHandle HandleOf(Tensor? tensor) => tensor is null ? TensorHandle.Null : tensor.Handle;
}
