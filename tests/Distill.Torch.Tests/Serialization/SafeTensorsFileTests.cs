using Distill.Torch.Serialization;

namespace Distill.Torch.Tests.Serialization;

/// <summary>Files laid out byte by byte from the format's description, read back.</summary>
public sealed class SafeTensorsFileTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Open_HandWrittenFileWithPaddingAndEntriesOutOfOffsetOrder_ReadsEveryTensor()
    {
        // "b" is listed first but its data comes second; the header ends with spaces, as the format allows.
        const string Header = """{"b":{"dtype":"I16","shape":[2],"data_offsets":[8,12]},"__metadata__":{"format":"pt","k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}     """;
        byte[] data = [.. TempFolder.Bytes(1.5f, -2f), 0x07, 0x00, 0xD4, 0xFE];
        var path = _folder.Write("hand.safetensors", TempFolder.Layout(Header, data));
        using var scope = TensorScope.Begin();

        using var file = SafeTensorsFile.Open(path);

        Assert.Equal(path, file.Path);
        Assert.Equal(["a", "b"], file.Entries.Select(e => e.Name));
        var b = file.GetEntry("b");
        Assert.Equal((DType.Int16, 8L, 12L), (b.DType, b.Begin, b.End));
        Assert.Equal([2L], b.Shape);
        Assert.Equal(8 + Header.Length, file.DataStart);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal("v", file.Metadata["k"]);
        Assert.Equal([1.5f, -2f], file.Read("a").ToArray<float>());
        Assert.Equal([(short)7, (short)-300], file.Read("b").ToArray<short>());
    }

    [Fact]
    public void Open_ScalarAndEmptyEntries_AreValid()
    {
        const string Header = """{"e":{"dtype":"F32","shape":[0,3],"data_offsets":[8,8]},"s":{"dtype":"F64","shape":[],"data_offsets":[0,8]},"z":{"dtype":"BOOL","shape":[2,0],"data_offsets":[8,8]}}""";
        var path = _folder.Write("edge.safetensors", TempFolder.Layout(Header, BitConverter.GetBytes(-0.125)));
        using var scope = TensorScope.Begin();

        using var file = SafeTensorsFile.Open(path);

        Assert.Equal(-0.125, file.Read("s").ToDouble());
        Assert.Equal(0, file.Read("s").Rank);
        Assert.Equal([0L, 3], file.Read("e").Shape);
        Assert.Equal([2L, 0], file.Read("z").Shape);
        Assert.Equal(DType.Bool, file.Read("z").DType);
    }

    [Fact]
    public void Open_NoTensors_IsAnEmptyFile()
    {
        var path = _folder.Write("none.safetensors", TempFolder.Layout("{}      ", []));

        using var file = SafeTensorsFile.Open(path);

        Assert.Empty(file.Entries);
        Assert.Empty(file.Metadata);
    }

    [Fact]
    public void Open_NullMetadata_IsNoMetadata()
    {
        const string Header = """{"__metadata__":null,"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}""";
        var path = _folder.Write("n.safetensors", TempFolder.Layout(Header, [9]));
        using var scope = TensorScope.Begin();

        using var file = SafeTensorsFile.Open(path);

        Assert.Empty(file.Metadata);
        Assert.Equal([(byte)9], file.Read("a").ToArray<byte>());
    }

    [Fact]
    public void Open_EscapedAndNonAsciiNames_AreDecoded()
    {
        const string Header = """{"caf\u00e9.w\"1":{"dtype":"I8","shape":[1],"data_offsets":[0,1]},"日本":{"dtype":"I8","shape":[1],"data_offsets":[1,2]}}""";
        var path = _folder.Write("u.safetensors", TempFolder.Layout(Header, [0xFF, 0x02]));
        using var scope = TensorScope.Begin();

        using var file = SafeTensorsFile.Open(path);

        Assert.Equal([(sbyte)-1], file.Read("café.w\"1").ToArray<sbyte>());
        Assert.Equal([(sbyte)2], file.Read("日本").ToArray<sbyte>());
    }

    [Fact]
    public void Open_FileWrittenByWriter_ReadsWhileTheWriterReplacesIt()
    {
        using var scope = TensorScope.Begin();
        var path = _folder.File("live.safetensors");
        SafeTensors.Write(path, [new("a", Tensor.FromArray([1f], 1))]);
        using var file = SafeTensorsFile.Open(path);

        SafeTensors.Write(path, [new("a", Tensor.FromArray([2f], 1))]);

        // The open file keeps its mapping of the replaced content; a new open sees the new file.
        Assert.Equal([1f], file.Read("a").ToArray<float>());
        using var reopened = SafeTensorsFile.Open(path);
        Assert.Equal([2f], reopened.Read("a").ToArray<float>());
    }
}
