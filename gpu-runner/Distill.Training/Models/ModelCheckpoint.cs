using System.Text.Json;
using System.Text.RegularExpressions;
using Distill.Contracts.Checkpoints;
using Distill.Contracts.Models;
using Distill.Torch.Serialization;
using Distill.Torch;

namespace Distill.Training.Models;

/// <summary>
/// Loads and saves causal language models in the Hugging Face layout: a folder holding <c>config.json</c> and
/// <c>model.safetensors</c> (or shards listed by <c>model.safetensors.index.json</c>), next to the tokenizer files.
/// Tensor names are the Hugging Face ones, which are the models' parameter names.
/// </summary>
public static partial class ModelCheckpoint
{
    public const string ConfigFileName = "config.json";

    public const string GenerationConfigFileName = "generation_config.json";

    /// <summary>The tokenizer files <see cref="Save"/> copies, those of them that exist.</summary>
    public static IReadOnlyList<string> TokenizerFileNames { get; } =
    [
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
        "vocab.json", "merges.txt", "tokenizer.model", "chat_template.jinja", "chat_template.json",
    ];

    // At least one of these makes a folder a tokenizer folder.
    private static readonly string[] s_tokenizerModelFiles = ["tokenizer.json", "tokenizer.model", "vocab.json"];

    private static readonly string[] s_legacyWeightFiles = ["pytorch_model.bin", "pytorch_model.bin.index.json"];

    /// <summary>
    /// Loads the model in <paramref name="folder"/>: its config.json and its weights, one tensor at a time straight
    /// into the parameters on <paramref name="device"/> (the CPU by default) as <paramref name="floatDType"/>
    /// (float32 by default), so the model is never held twice. The model is returned in eval mode (no dropout), as
    /// a teacher is used; call <see cref="Distill.Torch.Nn.Module.Train"/> to train it.
    /// </summary>
    /// <remarks>
    /// Names are mapped exactly. GPT-2 and Llama weights may lack the backbone prefix (<c>transformer.</c> /
    /// <c>model.</c>), as base-model checkpoints such as the original <c>gpt2</c> do. The non-parameter buffers
    /// <c>attn.bias</c>, <c>attn.masked_bias</c> and <c>rotary_emb.inv_freq</c> are ignored. A tied model needs no
    /// <c>lm_head.weight</c>; when one is present it must equal the token embedding bit for bit, since a different
    /// head could not be represented. Every missing, unexpected or mis-shaped tensor is reported at once in a
    /// <see cref="ModelCheckpointException"/>; a malformed config.json throws <see cref="ModelConfigException"/> and a
    /// malformed or truncated weights file <see cref="SafeTensorsFormatException"/>, each naming the file.
    /// </remarks>
    public static CausalLanguageModel Load(string folder, Device? device = null, DType? floatDType = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var dtype = floatDType ?? DType.Float32;
        if (!dtype.IsFloatingPoint())
        {
            throw new ArgumentException($"the parameters' dtype must be a floating-point type, not {dtype}", nameof(floatDType));
        }
        var target = device ?? Device.Cpu;
        var fullFolder = Path.GetFullPath(folder);
        if (!Directory.Exists(fullFolder))
        {
            throw new ModelCheckpointException(fullFolder, "the model folder does not exist");
        }
        var configPath = Path.Combine(fullFolder, ConfigFileName);
        var config = ModelConfig.Load(configPath);
        RequireWeights(fullFolder);

        using var checkpoint = SafeTensorsCheckpoint.Open(fullFolder);
        // The parameters start as uninitialised CPU storage (memory the system only commits when written, which it
        // never is) and each is replaced by its tensor as read from the file onto the target device and dtype.
        var model = CausalLanguageModel.Create(config, Device.Cpu);
        try
        {
            var plan = Plan(model, checkpoint, configPath);
            foreach (var (parameter, fileName) in plan.Parameters)
            {
                using var scope = TensorScope.Begin();
                parameter.SetData(checkpoint.Read(fileName, target, dtype));
            }
            if (plan.TiedHead is { } head)
            {
                CheckTiedHead(checkpoint, head, plan.EmbeddingFileName);
            }
            model.Eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Saves <paramref name="model"/> into <paramref name="folder"/> (created if needed) so Hugging Face loaders read
    /// it back: the weights as <c>model.safetensors</c> with <c>{"format": "pt"}</c> metadata, or as shards of at most
    /// <paramref name="maxShardBytes"/> with an index, each tensor stored once (a tied head is the embedding); the
    /// tokenizer files and generation_config.json found in <paramref name="tokenizerFolder"/> (usually the
    /// teacher's folder); then config.json, last, written from the model's config with the source's other keys kept.
    /// Returns the paths written.
    /// </summary>
    public static IReadOnlyList<string> Save(CausalLanguageModel model, string folder, string? tokenizerFolder = null, long maxShardBytes = SafeTensors.DefaultMaxShardBytes)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var fullFolder = Path.GetFullPath(folder);
        var copies = tokenizerFolder is null ? [] : TokenizerFiles(Path.GetFullPath(tokenizerFolder));

        var written = new List<string>(SafeTensors.SaveCheckpoint(fullFolder, model.NamedParameters(), maxShardBytes));
        foreach (var source in copies)
        {
            var destination = Path.Combine(fullFolder, Path.GetFileName(source));
            if (!string.Equals(source, destination, StringComparison.Ordinal))
            {
                File.Copy(source, destination, overwrite: true);
            }
            written.Add(destination);
        }

        var config = model.Config.ToJson();
        var dtypeName = TorchDTypeName(model.TokenEmbeddingWeight.DType);
        config["torch_dtype"] = dtypeName;
        if (config.ContainsKey("dtype"))
        {
            config["dtype"] = dtypeName;
        }
        var configPath = Path.Combine(fullFolder, ConfigFileName);
        WriteAtomically(configPath, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        written.Add(configPath);
        return written;
    }

    /// <summary>The name Hugging Face's config.json gives a dtype (<c>torch_dtype</c>).</summary>
    public static string TorchDTypeName(DType dtype) => dtype switch
    {
        DType.Float32 => "float32",
        DType.BFloat16 => "bfloat16",
        DType.Float16 => "float16",
        DType.Float64 => "float64",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "model weights are floating point"),
    };

    private sealed record LoadPlan(List<(Tensor Parameter, string FileName)> Parameters, SafeTensorsEntry? TiedHead, string EmbeddingFileName);

    /// <summary>Matches the checkpoint's tensors to the model's parameters, listing every problem before any data is read.</summary>
    private static LoadPlan Plan(CausalLanguageModel model, SafeTensorsCheckpoint checkpoint, string configPath)
    {
        var config = model.Config;
        var backbone = config.Family == ModelFamily.Gpt2 ? "transformer." : "model.";
        var prefixed = checkpoint.Entries.Any(e => e.Name.StartsWith(backbone, StringComparison.Ordinal));
        string FileName(string parameterName) =>
            !prefixed && parameterName.StartsWith(backbone, StringComparison.Ordinal) ? parameterName[backbone.Length..] : parameterName;

        var problems = new List<ModelCheckpointProblem>();
        var parameters = new List<(Tensor, string)>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        string? embeddingFileName = null;
        foreach (var (name, parameter) in model.NamedParameters())
        {
            var fileName = FileName(name);
            if (ReferenceEquals(parameter, model.TokenEmbeddingWeight))
            {
                embeddingFileName = fileName;
            }
            if (!checkpoint.TryGetEntry(fileName, out var entry))
            {
                problems.Add(new(checkpoint.Path, fileName, "missing: the model has this parameter but the checkpoint does not hold it"));
                continue;
            }
            used.Add(fileName);
            if (!entry.Shape.SequenceEqual(parameter.Shape))
            {
                problems.Add(new(entry.FilePath, fileName, $"has shape {Format(entry.Shape)} but config.json describes {Format(parameter.Shape)}"));
            }
            else if (!entry.DType.IsFloatingPoint())
            {
                problems.Add(new(entry.FilePath, fileName, $"is stored as {entry.DType.ToSafeTensorsName()}, but model weights are floating point"));
            }
            parameters.Add((parameter, fileName));
        }

        SafeTensorsEntry? tiedHead = null;
        var ignored = config.Family == ModelFamily.Gpt2 ? Gpt2Buffer() : LlamaBuffer();
        foreach (var entry in checkpoint.Entries)
        {
            if (used.Contains(entry.Name) || ignored.IsMatch(entry.Name))
            {
                continue;
            }
            if (config.TieWordEmbeddings && entry.Name == "lm_head.weight")
            {
                var embeddingShape = model.TokenEmbeddingWeight.Shape;
                if (!entry.Shape.SequenceEqual(embeddingShape))
                {
                    problems.Add(new(entry.FilePath, entry.Name, $"has shape {Format(entry.Shape)}, but the head is tied to the token embedding {Format(embeddingShape)}"));
                }
                tiedHead = entry;
                continue;
            }
            problems.Add(new(entry.FilePath, entry.Name, $"unexpected: the {config.ModelType} model described by config.json has no such parameter"));
        }
        if (problems.Count > 0)
        {
            throw new ModelCheckpointException(checkpoint.Path, $"the tensors do not fit the {config.ModelType} model described by {configPath}", problems);
        }
        return new LoadPlan(parameters, tiedHead, embeddingFileName ?? "");
    }

    /// <summary>A tied model's checkpoint may hold the head too, if it is the embedding exactly (compared as stored).</summary>
    private static void CheckTiedHead(SafeTensorsCheckpoint checkpoint, SafeTensorsEntry head, string embeddingFileName)
    {
        using var scope = TensorScope.Begin();
        var stored = checkpoint.Read(head.Name);
        var embedding = checkpoint.Read(embeddingFileName);
        if (stored.DType != embedding.DType || stored.Ne(embedding).Any().ToBoolean())
        {
            throw new ModelCheckpointException(checkpoint.Path, "the head is tied but the checkpoint's head differs from the embedding", [
                new(head.FilePath, head.Name,
                    $"config.json says tie_word_embeddings is true (the head is '{embeddingFileName}'), but this tensor differs from it; " +
                    "set tie_word_embeddings to false to load a separate head"),
            ]);
        }
    }

    private static void RequireWeights(string folder)
    {
        if (File.Exists(Path.Combine(folder, SafeTensors.SingleFileName)) || File.Exists(Path.Combine(folder, SafeTensors.IndexFileName)))
        {
            return;
        }
        var legacy = s_legacyWeightFiles.FirstOrDefault(n => File.Exists(Path.Combine(folder, n)));
        var hint = legacy is null ? "" : $" (it holds {legacy}: Distill reads only safetensors weights; convert the checkpoint first)";
        throw new ModelCheckpointException(folder, $"the model folder holds neither {SafeTensors.SingleFileName} nor {SafeTensors.IndexFileName}{hint}");
    }

    private static List<string> TokenizerFiles(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new ModelCheckpointException(folder, "the tokenizer folder does not exist");
        }
        if (!s_tokenizerModelFiles.Any(n => File.Exists(Path.Combine(folder, n))))
        {
            throw new ModelCheckpointException(folder, $"the tokenizer folder holds no tokenizer (none of {string.Join(", ", s_tokenizerModelFiles)})");
        }
        return [.. TokenizerFileNames.Append(GenerationConfigFileName).Select(n => Path.Combine(folder, n)).Where(File.Exists)];
    }

    private static void WriteAtomically(string path, string text)
    {
        var temp = Path.Combine(Path.GetDirectoryName(path) ?? ".", $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(temp, text);
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    private static string Format(IEnumerable<long> shape) => $"[{string.Join(", ", shape)}]";

    /// <summary>GPT-2's causal-mask buffers, saved by older transformers versions.</summary>
    [GeneratedRegex(@"^(transformer\.)?h\.\d+\.attn\.(bias|masked_bias)$", RegexOptions.CultureInvariant)]
    private static partial Regex Gpt2Buffer();

    /// <summary>Llama's rotary frequency buffer, saved by older transformers versions.</summary>
    [GeneratedRegex(@"(^|\.)rotary_emb\.inv_freq$", RegexOptions.CultureInvariant)]
    private static partial Regex LlamaBuffer();
}
