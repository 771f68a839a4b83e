using Distill.Contracts.Checkpoints;
using Distill.Torch.Serialization;

namespace Distill.Torch.Tests.Serialization;

/// <summary>Each malformed file is rejected with a message naming the file and, where there is one, the tensor.</summary>
public sealed class SafeTensorsValidationTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private SafeTensorsFormatException Reject(byte[] file, string? tensor, string fragment)
    {
        var path = _folder.Write("bad.safetensors", file);

        var error = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(path).Dispose());

        Assert.Equal(path, error.FilePath);
        Assert.Equal(tensor, error.TensorName);
        Assert.StartsWith(tensor is null ? $"{path}: " : $"{path}: tensor '{tensor}': ", error.Message, StringComparison.Ordinal);
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
        return error;
    }

    [Fact]
    public void Open_ShorterThanEightBytes_IsRejected() =>
        Reject([1, 0, 0], null, "holds 3 bytes, too few");

    [Fact]
    public void Open_EmptyFile_IsRejected() =>
        Reject([], null, "holds 0 bytes");

    [Fact]
    public void Open_HeaderLengthBeyondTheFile_IsRejectedAsTruncated() =>
        Reject(TempFolder.Layout("{}      ", [], headerLength: 100), null, "truncated: the header length is 100 bytes but only 8 follow");

    [Fact]
    public void Open_HeaderLengthOver100MB_IsRejected() =>
        Reject(TempFolder.Layout("{}      ", [], headerLength: 100_000_001), null, "exceeds the limit of 100000000 bytes");

    [Fact]
    public void Open_HugeHeaderLength_IsRejectedWithoutOverflow() =>
        Reject(TempFolder.Layout("{}      ", [], headerLength: ulong.MaxValue), null, "exceeds the limit");

    [Fact]
    public void Open_ExactlyEightBytes_IsAnEmptyHeader() =>
        Reject(TempFolder.Layout("", []), null, "the header is empty");

    [Fact]
    public void Open_NonUtf8Bytes_AreRejected()
    {
        byte[] file = [.. TempFolder.Layout("{\"\"}", []), 0];
        file[0] = 5;
        file[10] = 0xFF;
        Reject(file, null, "not valid UTF-8");
    }

    [Theory]
    [InlineData("{not json}", 0, "not valid JSON")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},}", 4, "not valid JSON")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}", 4, "not valid JSON")]
    [InlineData("{}  {}  ", 0, "not valid JSON")]
    [InlineData("{} x    ", 0, "not valid JSON")]
    [InlineData(" {}     ", 0, "does not start with '{' (its first byte is 0x20)")]
    [InlineData("[1]     ", 0, "does not start with '{' (its first byte is 0x5B)")]
    [InlineData("{\"__metadata__\":{\"n\":1}}", 0, "'__metadata__' value of 'n' must be a string, not 1")]
    [InlineData("{\"__metadata__\":{\"n\":{\"x\":\"y\"}}}", 0, "'__metadata__' value of 'n' must be a string, not an object")]
    [InlineData("{\"__metadata__\":[\"pt\"]}", 0, "'__metadata__' must be an object of strings, not an array")]
    [InlineData("{\"__metadata__\":{},\"__metadata__\":{}}", 0, "'__metadata__' appears twice")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 6, "2 bytes follow the last tensor's data")]
    public void Open_MalformedHeader_IsRejectedNamingTheFile(string header, int dataBytes, string fragment) =>
        Reject(TempFolder.Layout(header, new byte[dataBytes]), null, fragment);

    [Theory]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "a", "the name appears twice")]
    [InlineData("{\"a\":{\"dtype\":\"F17\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "a", "unknown dtype 'F17'")]
    [InlineData("{\"a\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "a", "unknown dtype 'f32'")]
    [InlineData("{\"u\":{\"dtype\":\"U32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "u", "dtype U32 cannot be held by libtorch 1.13")]
    [InlineData("{\"u\":{\"dtype\":\"U16\",\"shape\":[1],\"data_offsets\":[0,2]}}", 2, "u", "dtype U16 cannot be held by libtorch 1.13")]
    [InlineData("{\"u\":{\"dtype\":\"U64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8, "u", "dtype U64 cannot be held by libtorch 1.13")]
    [InlineData("{\"f\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, "f", "dtype F8_E4M3 cannot be held by libtorch 1.13, the engine's tensor library: it has no 8-bit floats")]
    [InlineData("{\"f\":{\"dtype\":\"F4\",\"shape\":[2],\"data_offsets\":[0,1]}}", 1, "f", "dtype F4 cannot be held by libtorch 1.13")]
    [InlineData("{\"c\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8, "c", "dtype C64 is not supported")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,0]}}", 0, "a", "negative dimension -2 in shape")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4, "a", "shape holds 1.5, not a 64-bit integer")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[[1]],\"data_offsets\":[0,4]}}", 4, "a", "shape holds an array")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":\"1\",\"data_offsets\":[0,4]}}", 4, "a", "shape must be an array of non-negative integers, not the string \"1\"")]
    [InlineData("{\"a\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "a", "dtype must be a string, not 32")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 8, "a", "data_offsets must hold two integers")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 0, "a", "negative offset -4 in data_offsets")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4, "a", "data_offsets [4, 0] end before they begin")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 0, "a", "the entry has no 'data_offsets'")]
    [InlineData("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "a", "the entry has no 'dtype'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":1}}", 4, "a", "unexpected key 'extra'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "a", "'dtype' appears twice in the entry")]
    [InlineData("{\"a\":[1,2]}", 0, "a", "the entry must be an object with dtype, shape and data_offsets, not an array")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[2,6]}}", 6, "b", "data_offsets [2, 6] overlap tensor 'a', whose data ends at 4")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "b", "overlap tensor 'a'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12, "b", "data_offsets [8, 12] leave a hole: bytes [4, 8) of the data section belong to no tensor")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "a", "leave a hole: bytes [0, 4)")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8, "a", "data_offsets [0, 16] run past the end of the file, whose data section holds 8 bytes: the file is truncated")]
    [InlineData("{\"a\":{\"dtype\":\"F64\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,8]}}", 8, "a", "too large for a 64-bit size")]
    public void Open_MalformedEntry_IsRejectedNamingFileAndTensor(string header, int dataBytes, string tensor, string fragment) =>
        Reject(TempFolder.Layout(header, new byte[dataBytes]), tensor, fragment);

    [Fact]
    public void Open_WrongByteCountForDTypeAndShape_GivesTheWholeStory()
    {
        const string Header = """{"h.0.attn.c_attn.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,12]}}""";
        var path = _folder.Write("model.safetensors", TempFolder.Layout(Header, new byte[12]));

        var error = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(path));

        Assert.Equal($"{path}: tensor 'h.0.attn.c_attn.weight': data_offsets [0, 12] hold 12 bytes but F32 [2, 3] needs 24", error.Message);
    }

    [Fact]
    public void Open_MissingFile_ThrowsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => SafeTensorsFile.Open(_folder.File("absent.safetensors")));
    }
}
