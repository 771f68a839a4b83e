namespace Distill.Torch;

/// <summary>Element types; the values are the shim's codes.</summary>
public enum DType
{
    Float32 = 0,
    Float16 = 1,
    BFloat16 = 2,
    Float64 = 3,
    Int64 = 4,
    Int32 = 5,
    Int16 = 6,
    Int8 = 7,
    UInt8 = 8,
    Bool = 9,
}
