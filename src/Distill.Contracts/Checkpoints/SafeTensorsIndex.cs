using System.Collections.ObjectModel;
using System.Text.Json;

namespace Distill.Contracts.Checkpoints;

/// <summary>
/// A sharded checkpoint's <c>model.safetensors.index.json</c> (<c>{"metadata": {...}, "weight_map": {tensor: shard
/// file}}</c>): which shard holds each tensor. Shard names must be plain file names in the index's folder. After the
/// shards' headers are read, <see cref="Verify"/> checks that the index and the shards agree exactly: every tensor in
/// the file the index names, none in two shards, none unlisted.
/// </summary>
public sealed class SafeTensorsIndex
{
    /// <summary>The index's file name in the Hugging Face layout.</summary>
    public const string FileName = "model.safetensors.index.json";

    /// <summary>The single-file checkpoint's name in the Hugging Face layout.</summary>
    public const string SingleFileName = "model.safetensors";

    private readonly List<string> _shardNames;

    private SafeTensorsIndex(string indexPath, ReadOnlyDictionary<string, string> weightMap, List<string> shardNames)
    {
        IndexPath = indexPath;
        WeightMap = weightMap;
        _shardNames = shardNames;
    }

    /// <summary>The index file, as given to <see cref="Parse"/>.</summary>
    public string IndexPath { get; }

    /// <summary>Tensor name → shard file name.</summary>
    public IReadOnlyDictionary<string, string> WeightMap { get; }

    /// <summary>The distinct shard file names, in ordinal order.</summary>
    public IReadOnlyList<string> ShardNames => _shardNames;

    /// <summary>
    /// Parses the index JSON, rejecting duplicate keys, a missing or malformed weight_map and shard names that are not
    /// file names in the index's folder (each error names <paramref name="indexPath"/> and the tensor).
    /// </summary>
    public static SafeTensorsIndex Parse(string indexPath, ReadOnlySpan<byte> json)
    {
        ArgumentNullException.ThrowIfNull(indexPath);
        var weightMap = ReadWeightMap(indexPath, json);
        var shardNames = weightMap.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        foreach (var shardName in shardNames)
        {
            if (!IsPlainFileName(shardName))
            {
                throw new SafeTensorsFormatException(indexPath, FirstTensorIn(weightMap, shardName),
                    $"the weight_map names the shard '{shardName}', which is not a file name in the index's folder");
            }
        }
        return new SafeTensorsIndex(indexPath, new ReadOnlyDictionary<string, string>(weightMap), shardNames);
    }

    /// <summary>The first tensor (in the index's order) the weight_map puts in <paramref name="shardName"/>.</summary>
    public string FirstTensorIn(string shardName) => FirstTensorIn(WeightMap, shardName);

    /// <summary>The error for a shard the index names but <paramref name="folder"/> does not hold.</summary>
    public SafeTensorsFormatException MissingShard(string shardName, string folder) =>
        new(IndexPath, FirstTensorIn(shardName), $"the weight_map puts it in '{shardName}', which does not exist in {folder}");

    /// <summary>
    /// Checks the shards' headers (<paramref name="shards"/>[i] read from <see cref="ShardNames"/>[i]) against the index:
    /// no tensor in two shards, every listed tensor in the shard the index names, every tensor listed.
    /// Returns tensor name → the index in <see cref="ShardNames"/> of the shard holding it.
    /// </summary>
    public IReadOnlyDictionary<string, int> Verify(IReadOnlyList<SafeTensorsHeader> shards)
    {
        ArgumentNullException.ThrowIfNull(shards);
        if (shards.Count != ShardNames.Count)
        {
            throw new ArgumentException($"{IndexPath} names {ShardNames.Count} shards but {shards.Count} headers were given", nameof(shards));
        }
        var shardOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < shards.Count; i++)
        {
            foreach (var entry in shards[i].Entries)
            {
                if (!shardOf.TryAdd(entry.Name, i))
                {
                    throw new SafeTensorsFormatException(shards[i].FilePath, entry.Name, $"the tensor is also in {shards[shardOf[entry.Name]].FilePath}");
                }
            }
        }
        foreach (var (name, shardName) in WeightMap)
        {
            var listed = _shardNames.BinarySearch(shardName, StringComparer.Ordinal);
            if (!shardOf.TryGetValue(name, out var holder))
            {
                throw new SafeTensorsFormatException(shards[listed].FilePath, name, $"{IndexPath} lists the tensor in this file, but the file does not hold it");
            }
            if (holder != listed)
            {
                throw new SafeTensorsFormatException(IndexPath, name, $"the weight_map puts it in '{shardName}', but it is in {shards[holder].FilePath}");
            }
        }
        foreach (var (name, holder) in shardOf)
        {
            if (!WeightMap.ContainsKey(name))
            {
                throw new SafeTensorsFormatException(IndexPath, name, $"{shards[holder].FilePath} holds the tensor, but the weight_map does not list it");
            }
        }
        return shardOf;
    }

    private static bool IsPlainFileName(string name) =>
        name.Length > 0 && name is not ("." or "..") && name.IndexOfAny(['/', '\\']) < 0 && !name.Contains(':', StringComparison.Ordinal);

    private static string FirstTensorIn(IReadOnlyDictionary<string, string> weightMap, string shardName) =>
        weightMap.First(p => p.Value == shardName).Key;

    /// <summary>The index's weight_map (tensor name → shard file name), with duplicates rejected.</summary>
    private static Dictionary<string, string> ReadWeightMap(string indexPath, ReadOnlySpan<byte> json)
    {
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
