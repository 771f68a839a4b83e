using System.Collections.Immutable;

namespace Distill.Contracts.Checkpoints;

/// <summary>One tensor listed in a safetensors header, validated against the file's length.</summary>
public sealed class SafeTensorsHeaderEntry
{
    internal SafeTensorsHeaderEntry(string filePath, string name, string dtype, ImmutableArray<long> shape, long begin, long end)
    {
        FilePath = filePath;
        Name = name;
        DType = dtype;
        Shape = shape;
        Begin = begin;
        End = end;
    }

    /// <summary>The file the header was read from, as given to <see cref="SafeTensorsHeader.Parse"/>.</summary>
    public string FilePath { get; }

    public string Name { get; }

    /// <summary>The dtype's name in the header, one of <see cref="SafeTensorsDTypes.All"/>.</summary>
    public string DType { get; }

    /// <summary>The shape; empty for a 0-d tensor.</summary>
    public ImmutableArray<long> Shape { get; }

    /// <summary>Start of the data (the header's data_offsets[0]), relative to the start of the data section.</summary>
    public long Begin { get; }

    /// <summary>End of the data, exclusive (data_offsets[1]), relative to the start of the data section.</summary>
    public long End { get; }

    public long ByteCount => End - Begin;

    public int ElementSize => SafeTensorsDTypes.ElementSize(DType);

    public long NumElements => ByteCount / ElementSize;

    public override string ToString() => $"{Name}: {DType} {SafeTensorsHeader.FormatShape(Shape)}";
}
