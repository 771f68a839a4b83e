using System.Collections.Immutable;

namespace Distill.Torch.Serialization;

/// <summary>One tensor listed in a safetensors header.</summary>
public sealed class SafeTensorsEntry
{
    internal SafeTensorsEntry(string filePath, string name, DType dtype, ImmutableArray<long> shape, long begin, long end)
    {
        FilePath = filePath;
        Name = name;
        DType = dtype;
        Shape = shape;
        Begin = begin;
        End = end;
    }

    /// <summary>The .safetensors file holding the tensor.</summary>
    public string FilePath { get; }

    public string Name { get; }

    public DType DType { get; }

    /// <summary>The shape; empty for a 0-d tensor.</summary>
    public ImmutableArray<long> Shape { get; }

    /// <summary>Start of the data (the header's data_offsets[0]), relative to the start of the data section.</summary>
    public long Begin { get; }

    /// <summary>End of the data, exclusive (data_offsets[1]), relative to the start of the data section.</summary>
    public long End { get; }

    public long ByteCount => End - Begin;

    public long NumElements => ByteCount / DType.ElementSize();

    public override string ToString() => $"{Name}: {DType.ToSafeTensorsName()} [{string.Join(", ", Shape)}]";
}
