using System.Buffers.Binary;
using Distill.Torch.Serialization;

namespace Distill.Torch.Tests.Serialization;

public sealed class SafeTensorsRoundTripTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Raw little-endian element bytes with edge values (NaN payloads, -0, infinities, subnormals, extremes).</summary>
    private static byte[] SampleBytes(DType dtype)
    {
        var bytes = new List<byte>();
        switch (dtype)
        {
            case DType.Float32:
                foreach (var bits in new uint[] { 0x3F800000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00001, 0x00000001, 0x7F7FFFFF, 0xC2F6E979 })
                {
                    bytes.AddRange(BitConverter.GetBytes(bits));
                }
                break;
            case DType.Float64:
                foreach (var bits in new ulong[] { 0x3FF0000000000000, 0x8000000000000000, 0x7FF8000000000001, 0x0000000000000001, 0x7FEFFFFFFFFFFFFF, 0xC0091EB851EB851F })
                {
                    bytes.AddRange(BitConverter.GetBytes(bits));
                }
                break;
            case DType.Float16:
            case DType.BFloat16:
            case DType.Int16:
                foreach (var bits in new ushort[] { 0x3C00, 0x8000, 0x7C00, 0x7E01, 0x0001, 0x7BFF, 0xFFFF, 0x3F80 })
                {
                    bytes.AddRange(BitConverter.GetBytes(bits));
                }
                break;
            case DType.Int64:
                foreach (var value in new[] { long.MinValue, long.MaxValue, -1L, 0L, 1234567890123L, 42L })
                {
                    bytes.AddRange(BitConverter.GetBytes(value));
                }
                break;
            case DType.Int32:
                foreach (var value in new[] { int.MinValue, int.MaxValue, -1, 0, 7, -123456 })
                {
                    bytes.AddRange(BitConverter.GetBytes(value));
                }
                break;
            case DType.Int8:
            case DType.UInt8:
                bytes.AddRange([0x00, 0x7F, 0x80, 0xFF, 0x01, 0x55]);
                break;
            case DType.Bool:
                bytes.AddRange([1, 0, 0, 1, 1, 1]);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null);
        }
        return [.. bytes];
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float16)]
    [InlineData(DType.BFloat16)]
    [InlineData(DType.Float64)]
    [InlineData(DType.Int64)]
    [InlineData(DType.Int32)]
    [InlineData(DType.Int16)]
    [InlineData(DType.Int8)]
    [InlineData(DType.UInt8)]
    [InlineData(DType.Bool)]
    public void WriteThenRead_EachDType_KeepsDTypeShapeAndBitsExactly(DType dtype)
    {
        using var scope = TensorScope.Begin();
        var bytes = SampleBytes(dtype);
        var count = bytes.Length / dtype.ElementSize();
        var tensor = Tensor.FromBytes(bytes, [2, count / 2], dtype);
        var path = _folder.File("t.safetensors");

        SafeTensors.Write(path, [new("x", tensor)]);
        using var file = SafeTensorsFile.Open(path);
        var read = file.Read("x");

        Assert.Equal(dtype, read.DType);
        Assert.Equal([2L, count / 2], read.Shape);
        Assert.Equal(bytes, read.ToBytes());
        var entry = Assert.Single(file.Entries);
        Assert.Equal(dtype, entry.DType);
        Assert.Equal(bytes.Length, entry.ByteCount);
    }

    [Fact]
    public void WriteThenRead_HalfAndBFloat16_ReadBackAsTheSameRawBits()
    {
        using var scope = TensorScope.Begin();
        ushort[] halfBits = [0x3C00, 0xC000, 0x7E00, 0x0400];
        ushort[] bf16Bits = [BFloat16Bits.FromSingle(1f), BFloat16Bits.FromSingle(-2.5f), 0x7FC1, 0x0001];
        var path = _folder.File("half.safetensors");

        SafeTensors.Write(path, [new("h", Tensor.FromSpan<ushort>(halfBits, [4], DType.Float16)), new("b", Tensor.FromSpan<ushort>(bf16Bits, [4], DType.BFloat16))]);
        using var file = SafeTensorsFile.Open(path);

        Assert.Equal(halfBits, file.Read("h").ToArray<ushort>());
        Assert.Equal(bf16Bits, file.Read("b").ToArray<ushort>());
        Assert.Equal([1f, -2f], file.Read("h").Narrow(0, 0, 2).ToFloat32().ToArray<float>());
        Assert.Equal([1f, -2.5f], file.Read("b").Narrow(0, 0, 2).ToFloat32().ToArray<float>());
    }

    [Fact]
    public void WriteThenRead_ScalarAndEmptyTensors_KeepTheirShapes()
    {
        using var scope = TensorScope.Begin();
        var path = _folder.File("edge.safetensors");

        SafeTensors.Write(path, [new("scalar", Tensor.Scalar(3.25, DType.Float64)), new("empty", Tensor.Zeros([0, 4])), new("empty1d", Tensor.Zeros([0], DType.Int64))]);
        using var file = SafeTensorsFile.Open(path);

        var scalar = file.Read("scalar");
        Assert.Equal(0, scalar.Rank);
        Assert.Equal(3.25, scalar.ToDouble());
        var empty = file.Read("empty");
        Assert.Equal([0L, 4], empty.Shape);
        Assert.Equal(0, empty.NumElements);
        Assert.Equal([0L], file.Read("empty1d").Shape);
        Assert.Equal(0, file.GetEntry("empty").ByteCount);
    }

    [Fact]
    public void Write_TransposedTensor_StoresItsLogicalRowMajorOrder()
    {
        using var scope = TensorScope.Begin();
        var transposed = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3).T;
        Assert.False(transposed.IsContiguous);
        var path = _folder.File("t.safetensors");

        SafeTensors.Write(path, [new("w", transposed)]);
        using var file = SafeTensorsFile.Open(path);
        var read = file.Read("w");

        Assert.Equal([3L, 2], read.Shape);
        Assert.Equal([1f, 4f, 2f, 5f, 3f, 6f], read.ToArray<float>());
    }

    [Fact]
    public void Write_TensorLargerThanOneCopyChunk_IsWrittenWhole()
    {
        using var scope = TensorScope.Begin();
        // 3 M floats = 12 MiB, more than the writer's 8 MiB copy buffer.
        var tensor = Tensor.Arange(0, 3 << 20, 1, DType.Float32);
        var path = _folder.File("big.safetensors");

        SafeTensors.Write(path, [new("big", tensor)]);
        using var file = SafeTensorsFile.Open(path);
        var read = file.Read("big");

        Assert.Equal(tensor.ToBytes(), read.ToBytes());
    }

    [Fact]
    public void WriteThenRead_Metadata_IsKept()
    {
        using var scope = TensorScope.Begin();
        var path = _folder.File("m.safetensors");
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode \"quoted\"\n" };

        SafeTensors.Write(path, [new("a", Tensor.Ones([1]))], metadata);
        using var file = SafeTensorsFile.Open(path);

        Assert.Equal(metadata.OrderBy(p => p.Key), file.Metadata.OrderBy(p => p.Key));
    }

    [Fact]
    public void Write_WithoutMetadataArgument_WritesFormatPt()
    {
        using var scope = TensorScope.Begin();
        var path = _folder.File("m.safetensors");

        SafeTensors.Write(path, [new("a", Tensor.Ones([1]))]);
        using var file = SafeTensorsFile.Open(path);

        Assert.Equal("pt", Assert.Single(file.Metadata, p => p.Key == "format").Value);
    }

    [Fact]
    public void Write_EmptyMetadata_OmitsTheMetadataObject()
    {
        using var scope = TensorScope.Begin();
        var path = _folder.File("m.safetensors");

        SafeTensors.Write(path, [new("a", Tensor.Ones([1]))], new Dictionary<string, string>());
        using var file = SafeTensorsFile.Open(path);

        Assert.Empty(file.Metadata);
        Assert.DoesNotContain("__metadata__", System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(path)), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_WithDType_ConvertsTheTensor()
    {
        using var scope = TensorScope.Begin();
        var path = _folder.File("c.safetensors");
        SafeTensors.Write(path, [new("a", Tensor.FromArray([1.5f, -2f, 3f], 3))]);
        using var file = SafeTensorsFile.Open(path);

        var read = file.Read("a", Device.Cpu, DType.BFloat16);

        Assert.Equal(DType.BFloat16, read.DType);
        Assert.Equal([1.5f, -2f, 3f], read.ToFloat32().ToArray<float>());
    }

    [Fact]
    public void WriteThenRead_LeavesOnlyTheCallersTensorsInTheScope()
    {
        using var scope = TensorScope.Begin();
        var tensor = Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2);
        var path = _folder.File("s.safetensors");

        SafeTensors.Write(path, [new("a", tensor.T)]);
        Assert.Equal(2, scope.Count);
        using var file = SafeTensorsFile.Open(path);
        file.Read("a", dtype: DType.Float64);

        // The tensor, its transpose and the converted result: the writer's and reader's temporaries are gone.
        Assert.Equal(3, scope.Count);
    }

    [Fact]
    public void LoadCheckpoint_FloatDType_ConvertsFloatsAndKeepsIntegers()
    {
        using var scope = TensorScope.Begin();
        var path = _folder.File("model.safetensors");
        SafeTensors.Write(path, [new("w", Tensor.FromArray([0.5f, 1f], 2)), new("ids", Tensor.FromArray([3L, 4L], 2))]);

        var loaded = SafeTensors.LoadCheckpoint(path, floatDType: DType.Float16);

        Assert.Equal(["ids", "w"], loaded.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(DType.Float16, loaded["w"].DType);
        Assert.Equal([0.5f, 1f], loaded["w"].ToFloat32().ToArray<float>());
        Assert.Equal(DType.Int64, loaded["ids"].DType);
        Assert.Equal([3L, 4L], loaded["ids"].ToArray<long>());
    }

    [Fact]
    public void Read_UnknownName_ThrowsKeyNotFoundNamingFileAndTensor()
    {
        using var scope = TensorScope.Begin();
        var path = _folder.File("k.safetensors");
        SafeTensors.Write(path, [new("a", Tensor.Ones([1]))]);
        using var file = SafeTensorsFile.Open(path);

        var error = Assert.Throws<KeyNotFoundException>(() => file.Read("nope"));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("'nope'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_AfterDispose_Throws()
    {
        using var scope = TensorScope.Begin();
        var path = _folder.File("d.safetensors");
        SafeTensors.Write(path, [new("a", Tensor.Ones([1]))]);
        var file = SafeTensorsFile.Open(path);
        file.Dispose();

        Assert.Throws<ObjectDisposedException>(() => file.Read("a"));
    }

    [Fact]
    public void Write_DataStartsEightAligned()
    {
        using var scope = TensorScope.Begin();
        var path = _folder.File("a.safetensors");

        SafeTensors.Write(path, [new("odd_name_x", Tensor.Ones([3], DType.Int8))]);
        var bytes = File.ReadAllBytes(path);
        var headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using var file = SafeTensorsFile.Open(path);

        Assert.Equal(0, headerLength % 8);
        Assert.Equal(8 + headerLength, file.DataStart);
        Assert.Equal(file.DataStart + 3, bytes.Length);
    }
}
