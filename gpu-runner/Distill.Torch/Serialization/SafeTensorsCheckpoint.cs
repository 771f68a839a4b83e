using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

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
        var weightMap = ReadWeightMap(indexPath);
        var folder = System.IO.Path.GetDirectoryName(indexPath) ?? "";
        var shardNames = weightMap.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var files = new List<SafeTensorsFile>(shardNames.Count);
        try
        {
            foreach (var shardName in shardNames)
            {
                var firstTensor = weightMap.First(p => p.Value == shardName).Key;
                if (shardName.Length == 0 || System.IO.Path.GetFileName(shardName) != shardName || shardName is "." or "..")
                {
                    throw new SafeTensorsFormatException(indexPath, firstTensor, $"the weight_map names the shard '{shardName}', which is not a file name in the index's folder");
                }
                var shardPath = System.IO.Path.Combine(folder, shardName);
                if (!File.Exists(shardPath))
                {
                    throw new SafeTensorsFormatException(indexPath, firstTensor, $"the weight_map puts it in '{shardName}', which does not exist in {folder}");
                }
                files.Add(SafeTensorsFile.Open(shardPath));
            }

            var fileOf = new Dictionary<string, SafeTensorsFile>(StringComparer.Ordinal);
            foreach (var file in files)
            {
                foreach (var entry in file.Entries)
                {
                    if (!fileOf.TryAdd(entry.Name, file))
                    {
                        throw new SafeTensorsFormatException(file.Path, entry.Name, $"the tensor is also in {fileOf[entry.Name].Path}");
                    }
                }
            }
            foreach (var (name, shardName) in weightMap)
            {
                var listed = files[shardNames.BinarySearch(shardName, StringComparer.Ordinal)];
                if (!fileOf.TryGetValue(name, out var holder))
                {
                    throw new SafeTensorsFormatException(listed.Path, name, $"{indexPath} lists the tensor in this file, but the file does not hold it");
                }
                if (holder != listed)
                {
                    throw new SafeTensorsFormatException(indexPath, name, $"the weight_map puts it in '{shardName}', but it is in {holder.Path}");
                }
            }
            foreach (var (name, file) in fileOf)
            {
                if (!weightMap.ContainsKey(name))
                {
                    throw new SafeTensorsFormatException(indexPath, name, $"{file.Path} holds the tensor, but the weight_map does not list it");
                }
            }
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

    /// <summary>The index's weight_map (tensor name → shard file name), with duplicates rejected.</summary>
    private static Dictionary<string, string> ReadWeightMap(string indexPath)
    {
        var json = File.ReadAllBytes(indexPath);
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new SafeTensorsFormatException(indexPath, null, "the index must be a JSON object with a weight_map");
            }
            Dictionary<string, string>? weightMap = null;
            var keys = new HashSet<string>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var key = reader.GetString() ?? "";
                if (!keys.Add(key))
                {
                    throw new SafeTensorsFormatException(indexPath, null, $"'{key}' appears twice in the index");
                }
                reader.Read();
                if (key != "weight_map")
                {
                    reader.Skip();
                    continue;
                }
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    throw new SafeTensorsFormatException(indexPath, null, "weight_map must be an object mapping tensor names to shard files");
                }
                weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = reader.GetString() ?? "";
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        throw new SafeTensorsFormatException(indexPath, name, "the weight_map value must be a shard file name (a string)");
                    }
                    if (!weightMap.TryAdd(name, reader.GetString() ?? ""))
                    {
                        throw new SafeTensorsFormatException(indexPath, name, "the name appears twice in the weight_map");
                    }
                }
            }
            if (reader.Read())
            {
                throw new SafeTensorsFormatException(indexPath, null, "the index holds more than one JSON value");
            }
            return weightMap ?? throw new SafeTensorsFormatException(indexPath, null, "the index has no weight_map");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new SafeTensorsFormatException(indexPath, null, $"the index is not valid JSON: {e.Message}", e);
        }
    }
}
