using System.Diagnostics.CodeAnalysis;
using Distill.Contracts.Checkpoints;

namespace Distill.Torch.Serialization;

/// <summary>
/// A checkpoint in the Hugging Face layout: one .safetensors file, or shards listed by a
/// <c>model.safetensors.index.json</c> (<c>{"metadata": {...}, "weight_map": {tensor: shard file}}</c>). Each file
/// is opened once and memory-mapped; <see cref="Entries"/> is the union of the files' tensors. The index and the
/// shards must agree exactly: every tensor in the file the index names, none in two shards, none unlisted.
/// </summary>
public sealed class SafeTensorsCheckpoint : IDisposable
{
    private readonly SafeTensorsFile[] _files;
    private readonly Dictionary<string, SafeTensorsFile> _fileOf;

    private SafeTensorsCheckpoint(string path, string? indexPath, SafeTensorsFile[] files, Dictionary<string, SafeTensorsFile> fileOf)
    {
        Path = path;
        IndexPath = indexPath;
        _files = files;
        _fileOf = fileOf;
        Entries = [.. files.SelectMany(f => f.Entries)];
    }

    /// <summary>The .safetensors file, or the index, that was opened.</summary>
    public string Path { get; }

    /// <summary>The index of a sharded checkpoint; null for a single file.</summary>
    public string? IndexPath { get; }

    /// <summary>The open files (one, or the shards in name order).</summary>
    public IReadOnlyList<SafeTensorsFile> Files => _files;

    /// <summary>Every tensor, file by file, in the order of their data.</summary>
    public IReadOnlyList<SafeTensorsEntry> Entries { get; }

    /// <summary>
    /// Opens a .safetensors file, an index (a name ending in <c>.index.json</c>), or a folder holding
    /// <c>model.safetensors</c> or <c>model.safetensors.index.json</c> (the single file wins when both exist, as in
    /// Hugging Face's loaders). Malformed files throw <see cref="SafeTensorsFormatException"/>.
    /// </summary>
    public static SafeTensorsCheckpoint Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(fullPath))
        {
            var single = System.IO.Path.Combine(fullPath, SafeTensors.SingleFileName);
            var index = System.IO.Path.Combine(fullPath, SafeTensors.IndexFileName);
            if (File.Exists(single))
            {
                fullPath = single;
            }
            else if (File.Exists(index))
            {
                fullPath = index;
            }
            else
            {
                throw new FileNotFoundException($"{fullPath}: the folder holds neither {SafeTensors.SingleFileName} nor {SafeTensors.IndexFileName}", single);
            }
        }
        if (fullPath.EndsWith(".index.json", StringComparison.Ordinal))
        {
            return OpenSharded(fullPath);
        }
        var file = SafeTensorsFile.Open(fullPath);
        return new SafeTensorsCheckpoint(fullPath, null, [file], file.Entries.ToDictionary(e => e.Name, _ => file, StringComparer.Ordinal));
    }

    public bool Contains(string name) => _fileOf.ContainsKey(name);

    public bool TryGetEntry(string name, [NotNullWhen(true)] out SafeTensorsEntry? entry)
    {
        entry = null;
        return _fileOf.TryGetValue(name, out var file) && file.TryGetEntry(name, out entry);
    }

    /// <summary>The entry named <paramref name="name"/>; throws <see cref="KeyNotFoundException"/> naming the checkpoint when absent.</summary>
    public SafeTensorsEntry GetEntry(string name) =>
        TryGetEntry(name, out var entry) ? entry : throw new KeyNotFoundException($"{Path}: there is no tensor '{name}'");

    /// <summary>Reads one tensor; see <see cref="SafeTensorsFile.Read"/>.</summary>
    public Tensor Read(string name, Device? device = null, DType? dtype = null) =>
        _fileOf.TryGetValue(name, out var file) ? file.Read(name, device, dtype) : throw new KeyNotFoundException($"{Path}: there is no tensor '{name}'");

    public void Dispose()
    {
        foreach (var file in _files)
        {
            file.Dispose();
        }
    }

    private static SafeTensorsCheckpoint OpenSharded(string indexPath)
    {
        var index = SafeTensorsIndex.Parse(indexPath, File.ReadAllBytes(indexPath));
        var folder = System.IO.Path.GetDirectoryName(indexPath) ?? "";
        var files = new List<SafeTensorsFile>(index.ShardNames.Count);
        try
        {
            foreach (var shardName in index.ShardNames)
            {
                var shardPath = System.IO.Path.Combine(folder, shardName);
                if (!File.Exists(shardPath))
                {
                    throw index.MissingShard(shardName, folder);
                }
                files.Add(SafeTensorsFile.Open(shardPath));
            }
            var shardOf = index.Verify([.. files.Select(f => f.Header)]);
            var fileOf = shardOf.ToDictionary(p => p.Key, p => files[p.Value], StringComparer.Ordinal);
            return new SafeTensorsCheckpoint(indexPath, indexPath, [.. files], fileOf);
        }
        catch
        {
            foreach (var file in files)
            {
                file.Dispose();
            }
            throw;
        }
    }
}
