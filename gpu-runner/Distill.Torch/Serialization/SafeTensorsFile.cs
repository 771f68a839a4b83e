using System.Diagnostics.CodeAnalysis;
using System.IO.MemoryMappedFiles;
using Distill.Contracts.Checkpoints;

namespace Distill.Torch.Serialization;

/// <summary>
/// A .safetensors file opened for reading. The file is memory-mapped and its header fully validated on
/// <see cref="Open"/>; <see cref="Read"/> copies one tensor's bytes from the mapping into a new tensor, so reading never
/// loads the whole file into managed memory. Reads may run on several threads; dispose only when none is running.
/// </summary>
public sealed class SafeTensorsFile : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly Dictionary<string, SafeTensorsEntry> _byName;
    private bool _disposed;

    private SafeTensorsFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, SafeTensorsHeader header)
    {
        Path = path;
        _map = map;
        _view = view;
        Header = header;
        DataStart = header.DataStart;
        Entries = header.Entries.Select(e => new SafeTensorsEntry(e)).ToArray();
        Metadata = header.Metadata;
        _byName = Entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
    }

    /// <summary>The full path of the file.</summary>
    public string Path { get; }

    /// <summary>The tensors, in the order of their data in the file.</summary>
    public IReadOnlyList<SafeTensorsEntry> Entries { get; }

    /// <summary>The validated header (dtype names as strings, paths as given to <see cref="Open"/>).</summary>
    internal SafeTensorsHeader Header { get; }

    /// <summary>The header's <c>__metadata__</c> (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Where the data section starts in the file (8 + the header length); entries' offsets are relative to it.</summary>
    public long DataStart { get; }

    /// <summary>Opens and validates <paramref name="path"/>; a malformed file throws <see cref="SafeTensorsFormatException"/>.</summary>
    public static unsafe SafeTensorsFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = System.IO.Path.GetFullPath(path);
        var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        try
        {
            var fileLength = stream.Length;
            Span<byte> lengthField = stackalloc byte[8];
            var read = stream.ReadAtLeast(lengthField, lengthField.Length, throwOnEndOfStream: false);
            var length = SafeTensorsHeader.ReadLength(fullPath, lengthField[..read], fileLength);
            map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            SafeTensorsHeader header;
            var handle = view.SafeMemoryMappedViewHandle;
            byte* start = null;
            handle.AcquirePointer(ref start);
            try
            {
                var json = new ReadOnlySpan<byte>(start + view.PointerOffset + 8, (int)length);
                header = SafeTensorsHeader.Parse(fullPath, json, fileLength);
            }
            finally
            {
                handle.ReleasePointer();
            }
            return new SafeTensorsFile(fullPath, map, view, header);
        }
        catch
        {
            view?.Dispose();
            map?.Dispose();
            stream.Dispose();
            throw;
        }
    }

    public bool Contains(string name) => _byName.ContainsKey(name);

    public bool TryGetEntry(string name, [NotNullWhen(true)] out SafeTensorsEntry? entry) =>
        _byName.TryGetValue(name, out entry);

    /// <summary>The entry named <paramref name="name"/>; throws <see cref="KeyNotFoundException"/> naming the file when absent.</summary>
    public SafeTensorsEntry GetEntry(string name) =>
        _byName.TryGetValue(name, out var entry) ? entry : throw new KeyNotFoundException($"{Path}: there is no tensor '{name}'");

    /// <summary>
    /// Reads the tensor <paramref name="name"/> onto <paramref name="device"/> (the CPU by default), converted to
    /// <paramref name="dtype"/> when given. The tensor is created like any other: the current <see cref="TensorScope"/>
    /// owns it, if there is one.
    /// </summary>
    public unsafe Tensor Read(string name, Device? device = null, DType? dtype = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var entry = GetEntry(name);
        Tensor tensor;
        var handle = _view.SafeMemoryMappedViewHandle;
        byte* start = null;
        handle.AcquirePointer(ref start);
        try
        {
            var data = start + _view.PointerOffset + DataStart + entry.Begin;
            tensor = Tensor.FromHostMemory(data, entry.ByteCount, entry.Shape.AsSpan(), entry.DType, device);
        }
        finally
        {
            handle.ReleasePointer();
        }
        if (dtype is not { } target || target == entry.DType)
        {
            return tensor;
        }
        using (tensor)
        {
            return tensor.To(target);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _view.Dispose();
        _map.Dispose();
    }
}
