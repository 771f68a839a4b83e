namespace Distill.Torch;

public static class DTypeExtensions
{
    /// <summary>Bytes per element.</summary>
    public static int ElementSize(this DType dtype) => dtype switch
    {
        DType.Float32 or DType.Int32 => 4,
        DType.Float16 or DType.BFloat16 or DType.Int16 => 2,
        DType.Float64 or DType.Int64 => 8,
        DType.Int8 or DType.UInt8 or DType.Bool => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    public static bool IsFloatingPoint(this DType dtype) =>
        dtype is DType.Float32 or DType.Float16 or DType.BFloat16 or DType.Float64;

    /// <summary>The dtype that holds elements of the managed type <typeparamref name="T"/>.</summary>
    public static DType Of<T>()
        where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            return DType.Float32;
        }
        if (typeof(T) == typeof(double))
        {
            return DType.Float64;
        }
        if (typeof(T) == typeof(long))
        {
            return DType.Int64;
        }
        if (typeof(T) == typeof(int))
        {
            return DType.Int32;
        }
        if (typeof(T) == typeof(short))
        {
            return DType.Int16;
        }
        if (typeof(T) == typeof(sbyte))
        {
            return DType.Int8;
        }
        if (typeof(T) == typeof(byte))
        {
            return DType.UInt8;
        }
        if (typeof(T) == typeof(bool))
        {
            return DType.Bool;
        }
        if (typeof(T) == typeof(Half))
        {
            return DType.Float16;
        }
        throw new NotSupportedException($"{typeof(T).Name} has no tensor dtype; bfloat16 data travels as ushort bits with an explicit DType.BFloat16");
    }
}
