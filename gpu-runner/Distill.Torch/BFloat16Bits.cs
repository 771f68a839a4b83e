namespace Distill.Torch;

/// <summary>bfloat16 as raw 16-bit patterns (.NET has no bfloat16 type): the upper half of a float32.</summary>
public static class BFloat16Bits
{
    /// <summary>Rounds to nearest even, as libtorch does.</summary>
    public static ushort FromSingle(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x40);
        }
        var roundingBias = 0x7FFFu + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }

    public static float ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);
}
