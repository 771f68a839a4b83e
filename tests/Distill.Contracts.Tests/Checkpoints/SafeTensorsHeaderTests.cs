using System.Buffers.Binary;
using System.Text;
using Distill.Contracts.Checkpoints;

namespace Distill.Contracts.Tests.Checkpoints;

/// <summary>The header reader works from the first bytes and the file's length, without the engine (its full suite runs in Distill.Torch.Tests).</summary>
public sealed class SafeTensorsHeaderTests
{
    private static byte[] File(string header, int dataBytes)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        return bytes;
    }

    [Fact]
    public void Read_ValidHeader_ListsEntriesInDataOrderWithStringDTypes()
    {
        const string Header = """{"b":{"dtype":"BF16","shape":[2,3],"data_offsets":[16,28]},"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""";
        var bytes = File(Header, 28);

        var header = SafeTensorsHeader.Read("teacher/model.safetensors", new MemoryStream(bytes), bytes.Length);

        Assert.Equal(["a", "b"], header.Entries.Select(e => e.Name));
        var b = header.Entries[1];
        Assert.Equal(("BF16", 2, 6L, 12L, 16L, 28L), (b.DType, b.ElementSize, b.NumElements, b.ByteCount, b.Begin, b.End));
        Assert.Equal([2L, 3L], b.Shape);
        Assert.Equal("teacher/model.safetensors", b.FilePath);
        Assert.Equal("b: BF16 [2, 3]", b.ToString());
        Assert.Equal(8 + Header.Length, header.DataStart);
        Assert.Equal("pt", header.Metadata["format"]);
    }

    [Fact]
    public void Parse_FromTheHeaderBytesAndTheFileLength_DetectsATruncatedFile()
    {
        const string Header = """{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""";
        var json = Encoding.UTF8.GetBytes(Header);

        var error = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsHeader.Parse("uploads/run42/teacher/model.safetensors", json, fileLength: 8 + json.Length + 12));

        Assert.Equal("uploads/run42/teacher/model.safetensors: tensor 'w': data_offsets [0, 16] run past the end of the file, whose data section holds 12 bytes: the file is truncated", error.Message);
        Assert.Equal(("uploads/run42/teacher/model.safetensors", "w"), (error.FilePath, error.TensorName));
    }

    [Fact]
    public void ReadLength_ChecksTheLengthFieldAgainstTheFile()
    {
        var bytes = File("{}", 0);

        Assert.Equal(2, SafeTensorsHeader.ReadLength("f", bytes, bytes.Length));
        Assert.Equal("f: the file is truncated: the header length is 2 bytes but only 1 follow the length field",
            Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsHeader.ReadLength("f", bytes, 9)).Message);
    }

    [Fact]
    public void Read_StreamEndingInsideTheHeader_IsTruncated()
    {
        var bytes = File("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 4);

        var error = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsHeader.Read("f", new MemoryStream(bytes[..20]), bytes.Length));

        Assert.StartsWith("f: the file is truncated: the header length is ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("F8_E4M3", "dtype F8_E4M3 cannot be held by libtorch 1.13, the engine's tensor library: it has no 8-bit floats")]
    [InlineData("U32", "dtype U32 cannot be held by libtorch 1.13, the engine's tensor library: it has no unsigned integers wider than 8 bits")]
    [InlineData("C64", "dtype C64 is not supported: Distill's engine (libtorch 1.13 through its shim) has no complex tensors")]
    [InlineData("f32", "unknown dtype 'f32'")]
    public void Parse_DTypeTheEngineCannotHold_IsRejectedBeforeTheRunStarts(string dtype, string message)
    {
        var json = Encoding.UTF8.GetBytes($$$"""{"w":{"dtype":"{{{dtype}}}","shape":[1],"data_offsets":[0,4]}}""");

        var error = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsHeader.Parse("f", json, 8 + json.Length + 4));

        Assert.Equal($"f: tensor 'w': {message}", error.Message);
    }

    [Fact]
    public void DTypes_HaveTheirElementSizes()
    {
        Assert.Equal([4, 2, 2, 8, 8, 4, 2, 1, 1, 1], SafeTensorsDTypes.All.Select(SafeTensorsDTypes.ElementSize));
        Assert.False(SafeTensorsDTypes.TryGetElementSize("U16", out _));
        Assert.Throws<ArgumentException>(() => SafeTensorsDTypes.ElementSize("bf16"));
    }
}
