using Distill.Torch;
using Distill.Torch.Serialization;

namespace Distill.Training.Tests.Models;

/// <summary>
/// A temporary folder for checkpoints written in the Hugging Face layout by the tests, deleted afterwards. Each test
/// opens its own <see cref="TensorScope"/> (scopes are per thread) for the tensors it creates.
/// </summary>
public abstract class ModelTestFolder : IDisposable
{
    protected ModelTestFolder()
    {
        Root = Directory.CreateTempSubdirectory("distill-models-").FullName;
    }

    protected string Root { get; }

    public void Dispose()
    {
        Directory.Delete(Root, recursive: true);
        GC.SuppressFinalize(this);
    }

    protected string Folder(string name) => Path.Combine(Root, name);

    /// <summary>
    /// Writes config.json and the weights into a new folder: one model.safetensors, or shards of at most
    /// <paramref name="maxShardBytes"/> with model.safetensors.index.json.
    /// </summary>
    protected string WriteCheckpoint(string name, string configJson, IEnumerable<KeyValuePair<string, Tensor>> tensors, long maxShardBytes = SafeTensors.DefaultMaxShardBytes)
    {
        var folder = Folder(name);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), configJson);
        SafeTensors.SaveCheckpoint(folder, tensors, maxShardBytes);
        return folder;
    }

    /// <summary>The tensors with <paramref name="prefix"/> taken off the names that have it (a base-model checkpoint).</summary>
    protected static Dictionary<string, Tensor> WithoutPrefix(IReadOnlyDictionary<string, Tensor> tensors, string prefix) =>
        tensors.ToDictionary(p => p.Key.StartsWith(prefix, StringComparison.Ordinal) ? p.Key[prefix.Length..] : p.Key, p => p.Value, StringComparer.Ordinal);

    /// <summary>Writes the files of a tokenizer folder (contents distinct per file) and returns the folder.</summary>
    protected string WriteTokenizerFolder(string name, params string[] files)
    {
        var folder = Folder(name);
        Directory.CreateDirectory(folder);
        foreach (var file in files)
        {
            File.WriteAllText(Path.Combine(folder, file), $"{{\"file\": \"{file}\", \"folder\": \"{name}\"}}\n");
        }
        return folder;
    }

    protected static Tensor Ids(int vocab, long batch, long length, ulong seed)
    {
        using var g = new Generator(seed);
        return Tensor.RandInt(0, vocab, [batch, length], g);
    }

    protected static double MaxAbsDiff(Tensor a, Tensor b)
    {
        Assert.Equal(a.Shape, b.Shape);
        return (a.To(DType.Float64) - b.To(DType.Float64)).Abs().Max().ToDouble();
    }

    /// <summary>
    /// The residual stream grows layer by layer, and float32 keeps ~7 significant digits: hidden states are compared
    /// to <paramref name="tolerance"/> relative to their largest magnitude (when it exceeds 1).
    /// </summary>
    protected static void AssertCloseRelative(Tensor actual, Tensor expected, double tolerance)
    {
        var scale = Math.Max(1, expected.To(DType.Float64).Abs().Max().ToDouble());
        Assert.InRange(MaxAbsDiff(actual, expected) / scale, 0, tolerance);
    }

    protected static bool BitEqual(Tensor a, Tensor b) =>
        a.DType == b.DType && a.Shape.SequenceEqual(b.Shape) && a.ToBytes().AsSpan().SequenceEqual(b.ToBytes());

    /// <summary>Every tensor of the checkpoint in <paramref name="folder"/>, read as stored.</summary>
    protected static Dictionary<string, Tensor> ReadAll(string folder) => SafeTensors.LoadCheckpoint(folder);
}
