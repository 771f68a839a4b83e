using System.Collections.ObjectModel;
using Distill.Contracts.Checkpoints;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Distill.Torch.Serialization;

/// <summary>
/// Saving and loading whole checkpoints in the safetensors format, in the Hugging Face layout
/// (<c>model.safetensors</c>, or <c>model-00001-of-00003.safetensors</c>… with <c>model.safetensors.index.json</c>).
/// For one tensor at a time, open a <see cref="SafeTensorsFile"/> or a <see cref="SafeTensorsCheckpoint"/>.
/// </summary>
public static partial class SafeTensors
{
    public const string SingleFileName = SafeTensorsIndex.SingleFileName;

    public const string IndexFileName = SafeTensorsIndex.FileName;

    /// <summary>Hugging Face's default maximum shard size (5 GB).</summary>
    public const long DefaultMaxShardBytes = 5_000_000_000;

    /// <summary>
    /// <c>{"format": "pt"}</c>: the metadata Hugging Face's loaders expect in a model file (several versions refuse a
    /// file without it). The default wherever metadata is optional.
    /// </summary>
    public static IReadOnlyDictionary<string, string> PyTorchMetadata { get; } =
        new ReadOnlyDictionary<string, string>(new Dictionary<string, string> { ["format"] = "pt" });

    /// <summary>
    /// Writes <paramref name="tensors"/> (any device, any supported dtype, contiguous or not) to one .safetensors file,
    /// atomically: the data goes to a temporary file in the same folder, is flushed to disk, and only then replaces
    /// <paramref name="path"/>, so a failure or a crash never leaves a partial file under that name.
    /// <paramref name="metadata"/> defaults to <see cref="PyTorchMetadata"/>; pass an empty dictionary for none.
    /// </summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        SafeTensorsWriter.Write(path, [.. tensors], metadata ?? PyTorchMetadata);
    }

    /// <summary>
    /// Saves a checkpoint into <paramref name="directory"/> (created if needed) as Hugging Face does: tensors are
    /// packed in the given order into shards of at most <paramref name="maxShardBytes"/> (a larger tensor gets a shard
    /// of its own); one shard is written as <c>model.safetensors</c>, several as <c>model-0000i-of-0000n.safetensors</c>
    /// plus <c>model.safetensors.index.json</c> (total_size = the sum of the tensors' bytes). Every file is written
    /// atomically, the index last; checkpoint files of an earlier save that the new one does not use are then deleted.
    /// Returns the paths written.
    /// </summary>
    public static IReadOnlyList<string> SaveCheckpoint(
        string directory,
        IEnumerable<KeyValuePair<string, Tensor>> tensors,
        long maxShardBytes = DefaultMaxShardBytes,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxShardBytes);
        List<KeyValuePair<string, Tensor>> all = [.. tensors];
        SafeTensorsWriter.Plan(all);
        metadata ??= PyTorchMetadata;
        var folder = Path.GetFullPath(directory);
        Directory.CreateDirectory(folder);

        var shards = Split(all, maxShardBytes);
        var written = new List<string>();
        if (shards.Count <= 1)
        {
            var path = Path.Combine(folder, SingleFileName);
            SafeTensorsWriter.Write(path, all, metadata);
            written.Add(path);
        }
        else
        {
            var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
            long totalSize = 0;
            for (var i = 0; i < shards.Count; i++)
            {
                var name = $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
                var path = Path.Combine(folder, name);
                SafeTensorsWriter.Write(path, shards[i], metadata);
                written.Add(path);
                foreach (var (tensorName, tensor) in shards[i])
                {
                    weightMap[tensorName] = name;
                    totalSize += tensor.ByteCount;
                }
            }
            var indexPath = Path.Combine(folder, IndexFileName);
            AtomicFile.Write(indexPath, stream => WriteIndex(stream, totalSize, weightMap));
            written.Add(indexPath);
        }
        RemoveStaleFiles(folder, written);
        return written;
    }

    /// <summary>
    /// Loads every tensor of a checkpoint (a .safetensors file, an index, or a folder; see
    /// <see cref="SafeTensorsCheckpoint.Open"/>) onto <paramref name="device"/>. Floating-point tensors are converted
    /// to <paramref name="floatDType"/> when given; integer and bool tensors keep their dtype. The tensors belong to the
    /// current <see cref="TensorScope"/>, if any, like any new tensor; otherwise the caller disposes them.
    /// </summary>
    public static Dictionary<string, Tensor> LoadCheckpoint(string path, Device? device = null, DType? floatDType = null)
    {
        using var checkpoint = SafeTensorsCheckpoint.Open(path);
        var result = new Dictionary<string, Tensor>(checkpoint.Entries.Count, StringComparer.Ordinal);
        try
        {
            foreach (var entry in checkpoint.Entries)
            {
                var dtype = entry.DType.IsFloatingPoint() ? floatDType : null;
                result.Add(entry.Name, checkpoint.Read(entry.Name, device, dtype));
            }
        }
        catch
        {
            foreach (var tensor in result.Values)
            {
                tensor.Dispose();
            }
            throw;
        }
        return result;
    }

    /// <summary>Hugging Face's packing: in order, starting a new shard when the next tensor would overflow this one.</summary>
    private static List<List<KeyValuePair<string, Tensor>>> Split(List<KeyValuePair<string, Tensor>> tensors, long maxShardBytes)
    {
        var shards = new List<List<KeyValuePair<string, Tensor>>>();
        var current = new List<KeyValuePair<string, Tensor>>();
        long currentBytes = 0;
        foreach (var pair in tensors)
        {
            var bytes = pair.Value.ByteCount;
            if (bytes > maxShardBytes)
            {
                shards.Add([pair]);
                continue;
            }
            if (currentBytes + bytes > maxShardBytes && current.Count > 0)
            {
                shards.Add(current);
                current = [];
                currentBytes = 0;
            }
            current.Add(pair);
            currentBytes += bytes;
        }
        if (current.Count > 0)
        {
            shards.Add(current);
        }
        return shards;
    }

    private static void WriteIndex(Stream stream, long totalSize, SortedDictionary<string, string> weightMap)
    {
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteStartObject("metadata");
            json.WriteNumber("total_size", totalSize);
            json.WriteEndObject();
            json.WriteStartObject("weight_map");
            foreach (var (name, file) in weightMap)
            {
                json.WriteString(name, file);
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        stream.WriteByte((byte)'\n');
    }

    /// <summary>Deletes checkpoint files (single file, index, shards) of an earlier save that the new one did not write.</summary>
    private static void RemoveStaleFiles(string folder, List<string> written)
    {
        var keep = new HashSet<string>(written.Select(Path.GetFileName).OfType<string>(), StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(folder))
        {
            var name = Path.GetFileName(path);
            var isCheckpointFile = name is SingleFileName or IndexFileName || ShardName().IsMatch(name);
            if (isCheckpointFile && !keep.Contains(name))
            {
                File.Delete(path);
            }
        }
    }

    [GeneratedRegex(@"^model-\d{5}-of-\d{5}\.safetensors$", RegexOptions.CultureInvariant)]
    private static partial Regex ShardName();
}
