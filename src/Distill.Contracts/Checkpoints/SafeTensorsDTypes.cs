namespace Distill.Contracts.Checkpoints;

/// <summary>
/// The safetensors dtype names Distill's engine can hold (libtorch 1.13 has a tensor type for each) and their element
/// sizes. The other names of the format (U16, U32, U64, the F8, F6 and F4 floats, C64) are rejected when a header is
/// parsed, so a checkpoint that passes <see cref="SafeTensorsHeader.Parse"/> can be loaded by the engine.
/// </summary>
public static class SafeTensorsDTypes
{
    public const string Float32 = "F32";
    public const string Float16 = "F16";
    public const string BFloat16 = "BF16";
    public const string Float64 = "F64";
    public const string Int64 = "I64";
    public const string Int32 = "I32";
    public const string Int16 = "I16";
    public const string Int8 = "I8";
    public const string UInt8 = "U8";
    public const string Bool = "BOOL";

    /// <summary>Every supported name, in the order the engine numbers its dtypes.</summary>
    public static IReadOnlyList<string> All { get; } = [Float32, Float16, BFloat16, Float64, Int64, Int32, Int16, Int8, UInt8, Bool];

    /// <summary>The bytes per element of a supported dtype; false for any other name (names are case-sensitive).</summary>
    public static bool TryGetElementSize(string name, out int size)
    {
        ArgumentNullException.ThrowIfNull(name);
        size = name switch
        {
            Float32 or Int32 => 4,
            Float16 or BFloat16 or Int16 => 2,
            Float64 or Int64 => 8,
            Int8 or UInt8 or Bool => 1,
            _ => 0,
        };
        return size > 0;
    }

    /// <summary>The bytes per element of a supported dtype; throws <see cref="ArgumentException"/> for any other name.</summary>
    public static int ElementSize(string name) =>
        TryGetElementSize(name, out var size)
            ? size
            : throw new ArgumentException($"'{name}' is not a safetensors dtype Distill supports ({string.Join(", ", All)})", nameof(name));

    /// <summary>Why a dtype name cannot be loaded, as the header parser reports it; null for a supported name.</summary>
    internal static string? Problem(string name)
    {
        if (TryGetElementSize(name, out _))
        {
            return null;
        }
        var missing = name switch
        {
            "U16" or "U32" or "U64" => "unsigned integers wider than 8 bits",
            "F8_E5M2" or "F8_E4M3" or "F8_E8M0" or "F8_E4M3FNUZ" or "F8_E5M2FNUZ" => "8-bit floats",
            "F6_E2M3" or "F6_E3M2" => "6-bit floats",
            "F4" => "4-bit floats",
            _ => null,
        };
        if (missing is not null)
        {
            return $"dtype {name} cannot be held by libtorch 1.13, the engine's tensor library: it has no {missing}";
        }
        if (name == "C64")
        {
            return "dtype C64 is not supported: Distill's engine (libtorch 1.13 through its shim) has no complex tensors";
        }
        return $"unknown dtype '{name}'";
    }
}
