using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Distill.Contracts.Checkpoints;

namespace Distill.Torch.Serialization;

/// <summary>
/// Writes the safetensors layout as the format's reference writer does: tensors ordered by dtype alignment (largest
/// first) then name, a compact JSON header padded with spaces so the data starts 8-aligned, then each tensor's
/// little-endian row-major bytes. Data streams tensor by tensor through one bounded buffer.
/// </summary>
internal static class SafeTensorsWriter
{
    /// <summary>Bytes copied from a tensor to the file at a time.</summary>
    private const int ChunkBytes = 8 << 20;

    /// <summary>Writes <paramref name="tensors"/> to <paramref name="path"/> atomically (see <see cref="AtomicFile"/>).</summary>
    public static void Write(string path, IReadOnlyList<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        var items = Plan(tensors);
        var header = BuildHeader(items, metadata);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(header);
            var largest = items.Count == 0 ? 0 : items.Max(i => i.ByteCount);
            var buffer = GC.AllocateUninitializedArray<byte>((int)Math.Min(largest, ChunkBytes), pinned: true);
            foreach (var item in items)
            {
                WriteData(stream, item, buffer);
            }
        });
    }

    /// <summary>Checks the names and orders the tensors as they will be stored, with their data offsets.</summary>
    internal static List<Item> Plan(IReadOnlyList<KeyValuePair<string, Tensor>> tensors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var items = new List<Item>(tensors.Count);
        foreach (var (name, tensor) in tensors)
        {
            ArgumentNullException.ThrowIfNull(name, nameof(tensors));
            if (tensor is null)
            {
                throw new ArgumentException($"tensor '{name}' is null", nameof(tensors));
            }
            if (name == SafeTensorsHeader.MetadataKey)
            {
                throw new ArgumentException($"'{SafeTensorsHeader.MetadataKey}' is reserved for the header's metadata and cannot name a tensor", nameof(tensors));
            }
            if (!names.Add(name))
            {
                throw new ArgumentException($"tensor '{name}' is given twice", nameof(tensors));
            }
            items.Add(new Item(name, Encoding.UTF8.GetBytes(name), tensor, tensor.DType, tensor.Shape, tensor.ByteCount));
        }
        items.Sort((a, b) =>
        {
            var byAlignment = AlignmentRank(b.DType).CompareTo(AlignmentRank(a.DType));
            return byAlignment != 0 ? byAlignment : a.Utf8Name.AsSpan().SequenceCompareTo(b.Utf8Name);
        });
        long offset = 0;
        foreach (var item in items)
        {
            item.Begin = offset;
            offset += item.ByteCount;
        }
        return items;
    }

    /// <summary>The header JSON, padded with spaces to a multiple of 8 bytes.</summary>
    internal static byte[] BuildHeader(IReadOnlyList<Item> items, IReadOnlyDictionary<string, string> metadata)
    {
        var output = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata.Count > 0)
            {
                json.WriteStartObject(SafeTensorsHeader.MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (value is null)
                    {
                        throw new ArgumentException($"metadata value of '{key}' is null", nameof(metadata));
                    }
                    json.WriteString(key, value);
                }
                json.WriteEndObject();
            }
            foreach (var item in items)
            {
                json.WriteStartObject(item.Name);
                json.WriteString("dtype", item.DType.ToSafeTensorsName());
                json.WriteStartArray("shape");
                foreach (var dim in item.Shape)
                {
                    json.WriteNumberValue(dim);
                }
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(item.Begin);
                json.WriteNumberValue(item.Begin + item.ByteCount);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        var header = new byte[(output.WrittenCount + 7) / 8 * 8];
        output.WrittenSpan.CopyTo(header);
        header.AsSpan(output.WrittenCount).Fill((byte)' ');
        return header;
    }

    /// <summary>Copies a tensor's bytes (from any device, contiguous or not) to the stream, a chunk at a time.</summary>
    private static void WriteData(FileStream stream, Item item, byte[] buffer)
    {
        if (item.ByteCount == 0)
        {
            return;
        }
        using var scope = TensorScope.Begin();
        var flat = item.Tensor.Detach().Contiguous().Reshape(-1);
        if (flat.DType != item.DType || flat.ByteCount != item.ByteCount)
        {
            throw new InvalidOperationException($"tensor '{item.Name}' changed while it was being written");
        }
        var elementSize = item.DType.ElementSize();
        var chunkElements = buffer.Length / elementSize;
        var elements = item.ByteCount / elementSize;
        for (long start = 0; start < elements; start += chunkElements)
        {
            var count = Math.Min(chunkElements, elements - start);
            var bytes = buffer.AsSpan(0, (int)(count * elementSize));
            using (var piece = flat.Narrow(0, start, count))
            {
                piece.CopyBytesTo(bytes);
            }
            stream.Write(bytes);
        }
    }

    /// <summary>The reference implementation's dtype order (by alignment, then its declaration order); larger is stored first.</summary>
    private static int AlignmentRank(DType dtype) => dtype switch
    {
        DType.Int64 => 9,
        DType.Float64 => 8,
        DType.Float32 => 7,
        DType.Int32 => 6,
        DType.BFloat16 => 5,
        DType.Float16 => 4,
        DType.Int16 => 3,
        DType.Int8 => 2,
        DType.UInt8 => 1,
        DType.Bool => 0,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>A tensor to store, with what the header says about it.</summary>
    internal sealed class Item(string name, byte[] utf8Name, Tensor tensor, DType dtype, long[] shape, long byteCount)
    {
        public string Name { get; } = name;

        public byte[] Utf8Name { get; } = utf8Name;

        public Tensor Tensor { get; } = tensor;

        public DType DType { get; } = dtype;

        public long[] Shape { get; } = shape;

        public long ByteCount { get; } = byteCount;

        public long Begin { get; set; }
    }
}
