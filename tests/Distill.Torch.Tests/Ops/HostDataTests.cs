using Distill.Torch.Tests.Support;

namespace Distill.Torch.Tests.Ops;

public sealed class HostDataTests
{
    private static void RoundTrip<T>(T[] values, DType dtype)
        where T : unmanaged
    {
        using var scope = TensorScope.Begin();
        var fromArray = Tensor.FromArray(values, 2, values.Length / 2);
        var fromSpan = Tensor.FromSpan<T>(values.AsSpan(), [values.Length], dtype);

        Assert.Equal(dtype, fromArray.DType);
        Assert.Equal([2L, values.Length / 2], fromArray.Shape);
        Assert.Equal(values, fromArray.ToArray<T>());
        Assert.Equal(dtype, fromSpan.DType);
        var copy = new T[values.Length];
        fromSpan.CopyTo<T>(copy);
        Assert.Equal(values, copy);
    }

    [Fact]
    public void Float32_RoundTrips() => RoundTrip([1.5f, -2.25f, float.MaxValue, float.Epsilon, 0f, -0f], DType.Float32);

    [Fact]
    public void Float64_RoundTrips() => RoundTrip([Math.PI, -1e300, double.Epsilon, 0.1], DType.Float64);

    [Fact]
    public void Float16_RoundTrips() => RoundTrip([(Half)1.5, (Half)(-65504), Half.Epsilon, (Half)0.099975586], DType.Float16);

    [Fact]
    public void Int64_RoundTrips() => RoundTrip([long.MinValue, long.MaxValue, 0L, -1L, (1L << 53) + 1, 42L], DType.Int64);

    [Fact]
    public void Int32_RoundTrips() => RoundTrip([int.MinValue, int.MaxValue, -1, 7], DType.Int32);

    [Fact]
    public void Int16_RoundTrips() => RoundTrip([short.MinValue, short.MaxValue, (short)-3, (short)9], DType.Int16);

    [Fact]
    public void Int8_RoundTrips() => RoundTrip([sbyte.MinValue, sbyte.MaxValue, (sbyte)-1, (sbyte)0], DType.Int8);

    [Fact]
    public void UInt8_RoundTrips() => RoundTrip([(byte)0, (byte)255, (byte)128, (byte)1], DType.UInt8);

    [Fact]
    public void Bool_RoundTrips() => RoundTrip([true, false, false, true], DType.Bool);

    [Fact]
    public void BFloat16_TravelsAsUInt16Bits()
    {
        using var scope = TensorScope.Begin();
        ushort[] bits = [BFloat16Bits.FromSingle(1.5f), BFloat16Bits.FromSingle(-3.140625f), BFloat16Bits.FromSingle(1e-3f), BFloat16Bits.FromSingle(65280f)];

        var tensor = Tensor.FromSpan<ushort>(bits, [2, 2], DType.BFloat16);

        Assert.Equal(DType.BFloat16, tensor.DType);
        Assert.Equal(bits, tensor.ToArray<ushort>());
        // libtorch reads the same numbers the bits encode.
        TensorAssert.Close([1.5, -3.140625, BFloat16Bits.ToSingle(bits[2]), 65280], tensor, 0);
    }

    [Fact]
    public void BFloat16Bits_RoundsToNearestEvenAsLibtorch()
    {
        using var scope = TensorScope.Begin();
        float[] values = [1.00390625f, 1.01171875f, 3.3333333f, -0.1f, 1e-40f];

        var converted = Tensor.FromArray(values).To(DType.BFloat16).ToArray<ushort>();

        Assert.Equal(values.Select(BFloat16Bits.FromSingle).ToArray(), converted);
    }

    [Fact]
    public void FromBytes_LittleEndianPayload_GivesTheNumbers()
    {
        using var scope = TensorScope.Begin();
        var bytes = new byte[12];
        BitConverter.TryWriteBytes(bytes.AsSpan(0), 1.5f);
        BitConverter.TryWriteBytes(bytes.AsSpan(4), -2f);
        BitConverter.TryWriteBytes(bytes.AsSpan(8), 8f);

        var tensor = Tensor.FromBytes(bytes, [3], DType.Float32);

        TensorAssert.Equal([1.5, -2, 8], tensor, 3);
        Assert.Equal(bytes, tensor.ToBytes());
    }

    [Fact]
    public void EmptyTensors_RoundTripAndReduce()
    {
        using var scope = TensorScope.Begin();

        var empty = Tensor.FromArray(Array.Empty<float>());
        var rows = Tensor.Zeros([0, 3]);

        Assert.Equal([0L], empty.Shape);
        Assert.Empty(empty.ToArray<float>());
        Assert.Empty(empty.ToBytes());
        TensorAssert.Equal([0, 0, 0], rows.Sum(0), 3);
        Assert.Equal(0, rows.Sum().ToDouble());
    }

    [Fact]
    public void FromArray_ShapeDisagreesWithLength_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => Tensor.FromArray([1f, 2f, 3f], 2, 2));
        Assert.Contains("needs 4 elements but 3 were given", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromSpan_ElementTypeCannotHoldDType_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => Tensor.FromSpan<float>([1f], [1], DType.Float64));
        Assert.Contains("cannot hold Float64", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToArray_WrongElementType_Throws()
    {
        using var scope = TensorScope.Begin();
        var tensor = Tensor.FromArray([1.0, 2.0]);

        var error = Assert.Throws<InvalidOperationException>(() => tensor.ToArray<float>());
        Assert.Contains("Float64 tensor cannot be read as Single", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToArray_NonContiguousView_ReadsLogicalOrder()
    {
        using var scope = TensorScope.Begin();
        var matrix = Tensor.FromArray([1, 2, 3, 4, 5, 6], 2, 3);

        var transposed = matrix.T;

        Assert.False(transposed.IsContiguous);
        Assert.Equal([1, 4, 2, 5, 3, 6], transposed.ToArray<int>());
    }

    [Fact]
    public void Scalars_ReadBackAsDoubleInt64AndBoolean()
    {
        using var scope = TensorScope.Begin();

        Assert.Equal(2.5f, Tensor.Scalar(2.5).ToSingle());
        Assert.Equal(-3, Tensor.Scalar(-3, DType.Int32).ToInt64());
        Assert.True(Tensor.FromArray([true]).ToBoolean());
        Assert.False(Tensor.Scalar(0, DType.Bool).ToBoolean());
    }

    [Fact]
    public void ToInt64_LargeInt64_IsExact()
    {
        using var scope = TensorScope.Begin();
        const long large = (1L << 53) + 1;

        Assert.Equal(large, Tensor.FromArray([large]).ToInt64());
        Assert.Equal(long.MaxValue, Tensor.FromArray([long.MaxValue]).ToInt64());
    }
}
