using System.Collections.Immutable;
using Distill.Contracts.Checkpoints;

namespace Distill.Torch.Serialization;

/// <summary>One tensor listed in a safetensors header.</summary>
public sealed class SafeTensorsEntry
{
    internal SafeTensorsEntry(SafeTensorsHeaderEntry entry)
    {
        FilePath = entry.FilePath;
        Name = entry.Name;
        // The header parser admits only the dtypes the engine has (SafeTensorsDTypes.All).
        DType = DTypeExtensions.TryFromSafeTensorsName(entry.DType, out var dtype)
            ? dtype
            : throw new SafeTensorsFormatException(entry.FilePath, entry.Name, $"dtype {entry.DType} has no engine dtype");
        Shape = entry.Shape;
        Begin = entry.Begin;
        End = entry.End;
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
