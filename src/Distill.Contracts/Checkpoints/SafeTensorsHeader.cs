using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Distill.Contracts.Checkpoints;

/// <summary>
/// A parsed and validated safetensors header, checked the way the format's reference reader does: the 8-byte
/// little-endian length, a UTF-8 JSON object (possibly padded with spaces) with no duplicate names, and entries whose
/// data_offsets tile the data section exactly, from 0 to the end of the file, each holding numel × element size bytes.
/// It needs only the first 8 + N bytes of a file and the file's length, so a checkpoint in blob storage can be checked
/// with two ranged reads and without the tensor engine. Every error is a <see cref="SafeTensorsFormatException"/>
/// naming the file and, where there is one, the tensor.
/// </summary>
public sealed class SafeTensorsHeader
{
    /// <summary>The reference reader's limit on the header length.</summary>
    public const long MaxLength = 100_000_000;

    /// <summary>The header key holding the file's string-to-string metadata.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>Bytes of the length field that starts every file.</summary>
    public const int LengthFieldSize = 8;

    private SafeTensorsHeader(string filePath, long length, IReadOnlyList<SafeTensorsHeaderEntry> entries, IReadOnlyDictionary<string, string> metadata)
    {
        FilePath = filePath;
        Length = length;
        Entries = entries;
        Metadata = metadata;
    }

    /// <summary>The file the header was read from, as given to <see cref="Parse"/>.</summary>
    public string FilePath { get; }

    /// <summary>The header length N; the data section starts at 8 + N.</summary>
    public long Length { get; }

    /// <summary>Where the data section starts in the file (8 + N); entries' offsets are relative to it.</summary>
    public long DataStart => LengthFieldSize + Length;

    /// <summary>The entries in the order of their data.</summary>
    public IReadOnlyList<SafeTensorsHeaderEntry> Entries { get; }

    /// <summary>The header's <c>__metadata__</c> (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// Reads and checks the header length from the first bytes of a file of <paramref name="fileLength"/> bytes
    /// (<paramref name="start"/> holds them, up to 8).
    /// </summary>
    public static long ReadLength(string path, ReadOnlySpan<byte> start, long fileLength)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (fileLength < LengthFieldSize || start.Length < LengthFieldSize)
        {
            throw new SafeTensorsFormatException(path, null, Invariant($"the file holds {fileLength} bytes, too few for the 8-byte header length"));
        }
        var length = BinaryPrimitives.ReadUInt64LittleEndian(start);
        if (length > MaxLength)
        {
            throw new SafeTensorsFormatException(path, null, Invariant($"the header length {length} exceeds the limit of {MaxLength} bytes: this is not a safetensors file, or a corrupt one"));
        }
        if (LengthFieldSize + (long)length > fileLength)
        {
            throw new SafeTensorsFormatException(path, null, Invariant($"the file is truncated: the header length is {length} bytes but only {fileLength - LengthFieldSize} follow the length field"));
        }
        return (long)length;
    }

    /// <summary>Parses the header JSON (the N bytes after the length field) and validates it against the file's length.</summary>
    public static SafeTensorsHeader Parse(string path, ReadOnlySpan<byte> json, long fileLength)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (json.IsEmpty)
        {
            throw new SafeTensorsFormatException(path, null, "the header is empty: it must be a JSON object starting with '{'");
        }
        if (json[0] != (byte)'{')
        {
            throw new SafeTensorsFormatException(path, null, $"the header does not start with '{{' (its first byte is 0x{json[0]:X2}): this is not a safetensors file");
        }
        if (!Utf8.IsValid(json))
        {
            throw new SafeTensorsFormatException(path, null, "the header is not valid UTF-8");
        }

        var raw = new List<RawEntry>();
        ReadOnlyDictionary<string, string> metadata;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            metadata = ReadTopLevel(path, ref reader, raw);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new SafeTensorsFormatException(path, null, $"the header is not valid JSON: {e.Message}", e);
        }

        var entries = Validate(path, raw, fileLength - LengthFieldSize - json.Length);
        return new SafeTensorsHeader(path, json.Length, entries, metadata);
    }

    /// <summary>
    /// Reads the length field and the header from the start of <paramref name="stream"/> (positioned at the file's first
    /// byte) and validates them against <paramref name="fileLength"/>; the data is not read.
    /// </summary>
    public static SafeTensorsHeader Read(string path, Stream stream, long fileLength)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> lengthField = stackalloc byte[LengthFieldSize];
        var read = stream.ReadAtLeast(lengthField, LengthFieldSize, throwOnEndOfStream: false);
        var length = ReadLength(path, lengthField[..read], fileLength);
        var json = new byte[length];
        var got = stream.ReadAtLeast(json, json.Length, throwOnEndOfStream: false);
        if (got < json.Length)
        {
            throw new SafeTensorsFormatException(path, null, Invariant($"the file is truncated: the header length is {length} bytes but the stream ended after {got}"));
        }
        return Parse(path, json, fileLength);
    }

    /// <summary>A shape as the messages write it: <c>[2, 3]</c>.</summary>
    public static string FormatShape(IEnumerable<long> shape) => $"[{string.Join(", ", shape)}]";

    private static ReadOnlyDictionary<string, string> ReadTopLevel(string path, ref Utf8JsonReader reader, List<RawEntry> entries)
    {
        reader.Read();
        var names = new HashSet<string>(StringComparer.Ordinal);
        Dictionary<string, string>? metadata = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = StringValue(ref reader);
            if (!names.Add(name))
            {
                throw name == MetadataKey
                    ? new SafeTensorsFormatException(path, null, $"'{MetadataKey}' appears twice in the header")
                    : new SafeTensorsFormatException(path, name, "the name appears twice in the header");
            }
            reader.Read();
            if (name == MetadataKey)
            {
                metadata = ReadMetadata(path, ref reader);
            }
            else
            {
                entries.Add(ReadEntry(path, name, ref reader));
            }
        }
        if (reader.Read())
        {
            throw new SafeTensorsFormatException(path, null, "the header holds more than one JSON value");
        }
        return new ReadOnlyDictionary<string, string>(metadata ?? []);
    }

    private static Dictionary<string, string>? ReadMetadata(string path, ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new SafeTensorsFormatException(path, null, $"'{MetadataKey}' must be an object of strings, not {Describe(ref reader)}");
        }
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = StringValue(ref reader);
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
            {
                throw new SafeTensorsFormatException(path, null, $"'{MetadataKey}' value of '{key}' must be a string, not {Describe(ref reader)}");
            }
            if (!metadata.TryAdd(key, StringValue(ref reader)))
            {
                throw new SafeTensorsFormatException(path, null, $"'{MetadataKey}' key '{key}' appears twice");
            }
        }
        return metadata;
    }

    private static RawEntry ReadEntry(string path, string name, ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new SafeTensorsFormatException(path, name, $"the entry must be an object with dtype, shape and data_offsets, not {Describe(ref reader)}");
        }
        string? dtypeName = null;
        long[]? shape = null;
        long[]? offsets = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = StringValue(ref reader);
            reader.Read();
            switch (key)
            {
                case "dtype" when dtypeName is null:
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        throw new SafeTensorsFormatException(path, name, $"dtype must be a string, not {Describe(ref reader)}");
                    }
                    dtypeName = StringValue(ref reader);
                    break;
                case "shape" when shape is null:
                    shape = ReadIntegers(path, name, key, ref reader);
                    break;
                case "data_offsets" when offsets is null:
                    offsets = ReadIntegers(path, name, key, ref reader);
                    if (offsets.Length != 2)
                    {
                        throw new SafeTensorsFormatException(path, name, Invariant($"data_offsets must hold two integers [begin, end], not {offsets.Length}"));
                    }
                    break;
                case "dtype" or "shape" or "data_offsets":
                    throw new SafeTensorsFormatException(path, name, $"'{key}' appears twice in the entry");
                default:
                    throw new SafeTensorsFormatException(path, name, $"unexpected key '{key}': an entry holds only dtype, shape and data_offsets");
            }
        }
        if (dtypeName is null || shape is null || offsets is null)
        {
            var missing = dtypeName is null ? "dtype" : shape is null ? "shape" : "data_offsets";
            throw new SafeTensorsFormatException(path, name, $"the entry has no '{missing}'");
        }
        if (SafeTensorsDTypes.Problem(dtypeName) is { } problem)
        {
            throw new SafeTensorsFormatException(path, name, problem);
        }
        return new RawEntry(name, dtypeName, shape, offsets[0], offsets[1]);
    }

    private static long[] ReadIntegers(string path, string name, string field, ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new SafeTensorsFormatException(path, name, $"{field} must be an array of non-negative integers, not {Describe(ref reader)}");
        }
        var values = new List<long>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var value))
            {
                throw new SafeTensorsFormatException(path, name, $"{field} holds {Describe(ref reader)}, not a 64-bit integer");
            }
            if (value < 0)
            {
                throw new SafeTensorsFormatException(path, name, field == "shape"
                    ? Invariant($"negative dimension {value} in shape")
                    : Invariant($"negative offset {value} in {field}"));
            }
            values.Add(value);
        }
        return [.. values];
    }

    /// <summary>Checks sizes and that the entries tile the data section of <paramref name="dataLength"/> bytes exactly.</summary>
    private static List<SafeTensorsHeaderEntry> Validate(string path, List<RawEntry> raw, long dataLength)
    {
        var sizes = new Dictionary<string, long>(raw.Count, StringComparer.Ordinal);
        foreach (var entry in raw)
        {
            if (entry.End < entry.Begin)
            {
                throw new SafeTensorsFormatException(path, entry.Name, Invariant($"data_offsets [{entry.Begin}, {entry.End}] end before they begin"));
            }
            long size = SafeTensorsDTypes.ElementSize(entry.DType);
            foreach (var dim in entry.Shape)
            {
                if (dim != 0 && size > long.MaxValue / dim)
                {
                    throw new SafeTensorsFormatException(path, entry.Name, $"{entry.DType} {FormatShape(entry.Shape)} is too large for a 64-bit size");
                }
                size *= dim;
            }
            sizes[entry.Name] = size;
        }

        raw.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End != b.End ? a.End.CompareTo(b.End) : string.CompareOrdinal(a.Name, b.Name));
        var entries = new List<SafeTensorsHeaderEntry>(raw.Count);
        long expected = 0;
        string? previous = null;
        foreach (var entry in raw)
        {
            var offsets = Invariant($"data_offsets [{entry.Begin}, {entry.End}]");
            if (entry.Begin > expected)
            {
                throw new SafeTensorsFormatException(path, entry.Name, Invariant($"{offsets} leave a hole: bytes [{expected}, {entry.Begin}) of the data section belong to no tensor"));
            }
            if (entry.Begin < expected)
            {
                throw new SafeTensorsFormatException(path, entry.Name, Invariant($"{offsets} overlap tensor '{previous}', whose data ends at {expected}"));
            }
            var size = sizes[entry.Name];
            if (entry.End - entry.Begin != size)
            {
                throw new SafeTensorsFormatException(path, entry.Name, Invariant($"{offsets} hold {entry.End - entry.Begin} bytes but {entry.DType} {FormatShape(entry.Shape)} needs {size}"));
            }
            if (entry.End > dataLength)
            {
                throw new SafeTensorsFormatException(path, entry.Name, Invariant($"{offsets} run past the end of the file, whose data section holds {dataLength} bytes: the file is truncated"));
            }
            expected = entry.End;
            previous = entry.Name;
            entries.Add(new SafeTensorsHeaderEntry(path, entry.Name, entry.DType, ImmutableArray.Create(entry.Shape), entry.Begin, entry.End));
        }
        if (expected != dataLength)
        {
            throw new SafeTensorsFormatException(path, null, Invariant($"{dataLength - expected} bytes follow the last tensor's data: the data section holds {dataLength} bytes but the tensors cover {expected}"));
        }
        return entries;
    }

    private static string StringValue(ref Utf8JsonReader reader) => reader.GetString() ?? "";

    private static string Describe(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => $"the string \"{reader.GetString()}\"",
        JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.Null => "null",
        _ => reader.TokenType.ToString(),
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record RawEntry(string Name, string DType, long[] Shape, long Begin, long End);
}
