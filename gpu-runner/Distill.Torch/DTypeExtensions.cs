namespace Distill.Torch;

/// <summary>Sizes, kinds and names of <see cref="DType"/> values.</summary>
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

    /// <summary>The dtype's name in safetensors headers ("F32", "BF16", "BOOL", ...).</summary>
    public static string ToSafeTensorsName(this DType dtype) => dtype switch
    {
        DType.Float32 => "F32",
        DType.Float16 => "F16",
        DType.BFloat16 => "BF16",
        DType.Float64 => "F64",
        DType.Int64 => "I64",
        DType.Int32 => "I32",
        DType.Int16 => "I16",
        DType.Int8 => "I8",
        DType.UInt8 => "U8",
        DType.Bool => "BOOL",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>
    /// The dtype a safetensors dtype name stands for. False for names with no libtorch 1.13 dtype (U16, U32, U64, the
    /// F8, F6 and F4 floats, C64) and for names that are not safetensors dtypes at all.
    /// </summary>
    public static bool TryFromSafeTensorsName(string name, out DType dtype)
    {
        ArgumentNullException.ThrowIfNull(name);
        DType? found = name switch
        {
            "F32" => DType.Float32,
            "F16" => DType.Float16,
            "BF16" => DType.BFloat16,
            "F64" => DType.Float64,
            "I64" => DType.Int64,
            "I32" => DType.Int32,
            "I16" => DType.Int16,
            "I8" => DType.Int8,
            "U8" => DType.UInt8,
            "BOOL" => DType.Bool,
            _ => null,
        };
        dtype = found.GetValueOrDefault();
        return found.HasValue;
    }

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
