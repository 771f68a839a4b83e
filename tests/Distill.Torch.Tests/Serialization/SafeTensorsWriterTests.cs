using System.Text;
using Distill.Torch.Serialization;

namespace Distill.Torch.Tests.Serialization;

public sealed class SafeTensorsWriterTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Write_SmallCase_ProducesTheExactReferenceLayout()
    {
        using var scope = TensorScope.Begin();
        var path = _folder.File("exact.safetensors");
        KeyValuePair<string, Tensor>[] tensors =
        [
            new("b", Tensor.FromArray(new sbyte[] { 1, -2, 3 }, 3)),
            new("w", Tensor.FromArray([1f, 2f], 2)),
            new("z", Tensor.FromSpan<ushort>([0x3C00], [1], DType.Float16)),
            new("c", Tensor.Scalar(5, DType.Int64)),
            new("a", Tensor.FromArray([-1f], 1)),
        ];

        SafeTensors.Write(path, tensors);

        // Largest alignment first (I64, F32, F16, I8), then by name; compact JSON; spaces up to a multiple of 8.
        const string Json = """{"__metadata__":{"format":"pt"},"c":{"dtype":"I64","shape":[],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},"w":{"dtype":"F32","shape":[2],"data_offsets":[12,20]},"z":{"dtype":"F16","shape":[1],"data_offsets":[20,22]},"b":{"dtype":"I8","shape":[3],"data_offsets":[22,25]}}""";
        var padded = Json + new string(' ', (8 - (Json.Length % 8)) % 8);
        byte[] data =
        [
            5, 0, 0, 0, 0, 0, 0, 0,
            .. TempFolder.Bytes(-1f),
            .. TempFolder.Bytes(1f, 2f),
            0x00, 0x3C,
            0x01, 0xFE, 0x03,
        ];
        var expected = TempFolder.Layout(padded, data);
        var actual = File.ReadAllBytes(path);
        Assert.Equal(padded, Encoding.UTF8.GetString(actual, 8, padded.Length));
        Assert.Equal(0, padded.Length % 8);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Write_NoTensorsNoMetadata_IsTheMinimalFile()
    {
        var path = _folder.File("empty.safetensors");

        SafeTensors.Write(path, [], new Dictionary<string, string>());

        Assert.Equal(TempFolder.Layout("{}      ", []), File.ReadAllBytes(path));
    }

    [Fact]
    public void Write_OverAnExistingFile_ReplacesIt()
    {
        using var scope = TensorScope.Begin();
        var path = _folder.File("model.safetensors");
        SafeTensors.Write(path, [new("old", Tensor.Ones([1000]))]);

        SafeTensors.Write(path, [new("new", Tensor.FromArray([7f], 1))]);

        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(["new"], file.Entries.Select(e => e.Name));
        Assert.Equal([7f], file.Read("new").ToArray<float>());
        Assert.Equal(["model.safetensors"], _folder.Names());
    }

    [Fact]
    public void Write_FailureMidway_LeavesTheOldFileAndNoTemporaryFile()
    {
        using var scope = TensorScope.Begin();
        var path = _folder.File("model.safetensors");
        SafeTensors.Write(path, [new("old", Tensor.FromArray([1f, 2f], 2))]);
        var before = File.ReadAllBytes(path);
        var good = Tensor.FromArray([3f], 1);
        var broken = Tensor.FromArray([4f], 1);
        _ = broken.Shape; // the header can be built from the cached shape; reading the data then fails
        broken.Dispose();

        // "a" is written first (same dtype, earlier name), so the failure comes after data went to the temporary file.
        Assert.Throws<ObjectDisposedException>(() => SafeTensors.Write(path, [new("b", broken), new("a", good)]));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["model.safetensors"], _folder.Names());
    }

    [Fact]
    public void Write_FailureWithNoPreviousFile_LeavesNothing()
    {
        using var scope = TensorScope.Begin();
        var broken = Tensor.FromArray([4f], 1);
        _ = broken.Shape;
        broken.Dispose();

        Assert.Throws<ObjectDisposedException>(() => SafeTensors.Write(_folder.File("x.safetensors"), [new("a", Tensor.Ones([2])), new("b", broken)]));

        Assert.Empty(_folder.Names());
    }

    [Fact]
    public void Write_DuplicateName_IsRejectedBeforeWriting()
    {
        using var scope = TensorScope.Begin();
        var path = _folder.File("d.safetensors");

        var error = Assert.Throws<ArgumentException>(() => SafeTensors.Write(path, [new("a", Tensor.Ones([1])), new("a", Tensor.Ones([1]))]));

        Assert.Contains("'a'", error.Message, StringComparison.Ordinal);
        Assert.Empty(_folder.Names());
    }

    [Fact]
    public void Write_MetadataKeyAsTensorName_IsRejected()
    {
        using var scope = TensorScope.Begin();

        Assert.Throws<ArgumentException>(() => SafeTensors.Write(_folder.File("m.safetensors"), [new("__metadata__", Tensor.Ones([1]))]));
    }

    [Fact]
    public void Write_ParameterThatRequiresGrad_StoresItsValues()
    {
        using var scope = TensorScope.Begin();
        var parameter = Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2);
        parameter.RequiresGrad = true;
        var path = _folder.File("p.safetensors");

        SafeTensors.Write(path, [new("p", parameter), new("pt", parameter.T)]);

        using var file = SafeTensorsFile.Open(path);
        Assert.Equal([1f, 2f, 3f, 4f], file.Read("p").ToArray<float>());
        Assert.Equal([1f, 3f, 2f, 4f], file.Read("pt").ToArray<float>());
    }
}
