using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Distill.Contracts.Models;

/// <summary>Which module tree a checkpoint uses.</summary>
public enum ModelFamily
{
    /// <summary>GPT-2: learned positions, LayerNorm, GELU MLP, Conv1D weights stored [in, out].</summary>
    Gpt2,

    /// <summary>Llama and the Llama-shaped Qwen2 and Mistral: RMSNorm, rotary positions, SwiGLU, grouped-query attention.</summary>
    Llama,
}

/// <summary>
/// The shape and hyper-parameters of a causal language model, read from and written to a Hugging Face
/// <c>config.json</c>. Unknown keys of the original file are kept, so a saved config round-trips.
/// </summary>
public sealed record ModelConfig
{
    private static readonly string[] s_supported = ["gpt2", "llama", "qwen2", "mistral"];

    /// <summary><c>model_type</c>: gpt2, llama, qwen2 or mistral.</summary>
    public required string ModelType { get; init; }

    public ModelFamily Family => ModelType == "gpt2" ? ModelFamily.Gpt2 : ModelFamily.Llama;

    public required int VocabSize { get; init; }

    public required int HiddenSize { get; init; }

    public required int NumLayers { get; init; }

    public required int NumHeads { get; init; }

    /// <summary>Key/value heads (fewer than <see cref="NumHeads"/> for grouped-query attention).</summary>
    public required int NumKeyValueHeads { get; init; }

    public required int HeadDim { get; init; }

    public required int IntermediateSize { get; init; }

    public required int MaxPositions { get; init; }

    public required double NormEps { get; init; }

    /// <summary>gelu_new (tanh approximation), gelu, relu or silu.</summary>
    public required string Activation { get; init; }

    public required bool TieWordEmbeddings { get; init; }

    /// <summary>Biases on the query/key/value projections (GPT-2 always; Qwen2; Llama with attention_bias).</summary>
    public bool QkvBias { get; init; }

    /// <summary>Bias on the attention output projection.</summary>
    public bool AttentionOutputBias { get; init; }

    public bool MlpBias { get; init; }

    public double EmbeddingDropout { get; init; }

    public double ResidualDropout { get; init; }

    public double AttentionDropout { get; init; }

    public double RopeTheta { get; init; } = 10000;

    public RopeScaling RopeScaling { get; init; } = RopeScaling.None;

    /// <summary>GPT-2's scale_attn_by_inverse_layer_idx: attention scores of layer i also divided by i + 1.</summary>
    public bool ScaleAttentionByInverseLayerIndex { get; init; }

    /// <summary>Mistral's sliding attention window, if any.</summary>
    public int? SlidingWindow { get; init; }

    public int? BosTokenId { get; init; }

    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    public int? PadTokenId { get; init; }

    /// <summary>The file's original keys, kept for saving.</summary>
    public JsonObject? Source { get; init; }

    /// <summary>Reads config.json, naming the file in any error.</summary>
    public static ModelConfig Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new ModelConfigException($"{path}: the model config file does not exist");
        }
        return Parse(File.ReadAllText(path), path);
    }

    public static ModelConfig Parse(string json, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw new ModelConfigException($"{sourceName}: the config is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new ModelConfigException($"{sourceName}: not valid JSON ({e.Message})", e);
        }
        var reader = new ConfigReader(root, sourceName);
        var modelType = reader.String("model_type") ?? throw new ModelConfigException($"{sourceName}: 'model_type' is missing");
        if (!s_supported.Contains(modelType))
        {
            throw new ModelConfigException($"{sourceName}: model_type '{modelType}' is not supported (supported: {string.Join(", ", s_supported)})");
        }
        var config = modelType == "gpt2" ? ParseGpt2(reader, root) : ParseLlama(reader, root, modelType);
        config.Validate(sourceName);
        return config;
    }

    private static ModelConfig ParseGpt2(ConfigReader r, JsonObject root)
    {
        var hidden = r.RequiredInt("n_embd", "hidden_size");
        var heads = r.RequiredInt("n_head", "num_attention_heads");
        if (r.Bool("scale_attn_weights") == false)
        {
            throw new ModelConfigException($"{r.Source}: scale_attn_weights = false is not supported");
        }
        return new ModelConfig
        {
            ModelType = "gpt2",
            VocabSize = r.RequiredInt("vocab_size"),
            HiddenSize = hidden,
            NumLayers = r.RequiredInt("n_layer", "num_hidden_layers"),
            NumHeads = heads,
            NumKeyValueHeads = heads,
            HeadDim = heads > 0 ? hidden / heads : 0,
            IntermediateSize = r.Int("n_inner") ?? 4 * hidden,
            MaxPositions = r.Int("n_positions", "n_ctx", "max_position_embeddings") ?? 1024,
            NormEps = r.Double("layer_norm_epsilon") ?? 1e-5,
            Activation = NormaliseActivation(r, r.String("activation_function") ?? "gelu_new"),
            TieWordEmbeddings = r.Bool("tie_word_embeddings") ?? true,
            QkvBias = true,
            AttentionOutputBias = true,
            MlpBias = true,
            EmbeddingDropout = r.Double("embd_pdrop") ?? 0.1,
            ResidualDropout = r.Double("resid_pdrop") ?? 0.1,
            AttentionDropout = r.Double("attn_pdrop") ?? 0.1,
            ScaleAttentionByInverseLayerIndex = r.Bool("scale_attn_by_inverse_layer_idx") ?? false,
            BosTokenId = r.Int("bos_token_id"),
            EosTokenIds = r.IntList("eos_token_id"),
            PadTokenId = r.Int("pad_token_id"),
            Source = root,
        };
    }

    private static ModelConfig ParseLlama(ConfigReader r, JsonObject root, string modelType)
    {
        var hidden = r.RequiredInt("hidden_size");
        var heads = r.RequiredInt("num_attention_heads");
        var ropeParameters = r.Object("rope_parameters");
        var ropeScalingNode = r.Object("rope_scaling") ?? ropeParameters;
        var theta = r.Double("rope_theta") ?? (ropeParameters is null ? null : new ConfigReader(ropeParameters, r.Source + " rope_parameters").Double("rope_theta")) ?? 10000;
        var attentionBias = r.Bool("attention_bias") ?? false;
        return new ModelConfig
        {
            ModelType = modelType,
            VocabSize = r.RequiredInt("vocab_size"),
            HiddenSize = hidden,
            NumLayers = r.RequiredInt("num_hidden_layers"),
            NumHeads = heads,
            NumKeyValueHeads = r.Int("num_key_value_heads") ?? heads,
            HeadDim = r.Int("head_dim") ?? (heads > 0 ? hidden / heads : 0),
            IntermediateSize = r.RequiredInt("intermediate_size"),
            MaxPositions = r.Int("max_position_embeddings") ?? 2048,
            NormEps = r.Double("rms_norm_eps") ?? 1e-6,
            Activation = NormaliseActivation(r, r.String("hidden_act") ?? "silu"),
            TieWordEmbeddings = r.Bool("tie_word_embeddings") ?? false,
            // Qwen2 always has q/k/v biases and no output bias; Llama's attention_bias covers all four.
            QkvBias = modelType == "qwen2" || attentionBias,
            AttentionOutputBias = modelType != "qwen2" && attentionBias,
            MlpBias = r.Bool("mlp_bias") ?? false,
            AttentionDropout = r.Double("attention_dropout") ?? 0,
            RopeTheta = theta,
            RopeScaling = ParseRopeScaling(r, ropeScalingNode),
            SlidingWindow = modelType == "mistral" || (r.Bool("use_sliding_window") ?? false) ? r.Int("sliding_window") : null,
            BosTokenId = r.Int("bos_token_id"),
            EosTokenIds = r.IntList("eos_token_id"),
            PadTokenId = r.Int("pad_token_id"),
            Source = root,
        };
    }

    private static RopeScaling ParseRopeScaling(ConfigReader parent, JsonObject? node)
    {
        if (node is null)
        {
            return RopeScaling.None;
        }
        var r = new ConfigReader(node, parent.Source + " rope_scaling");
        var type = r.String("rope_type") ?? r.String("type") ?? "default";
        return type switch
        {
            "default" => RopeScaling.None,
            "linear" => new RopeScaling("linear", r.Double("factor") ?? throw r.Missing("factor")),
            "llama3" => new RopeScaling(
                "llama3",
                r.Double("factor") ?? throw r.Missing("factor"),
                r.Double("low_freq_factor") ?? 1,
                r.Double("high_freq_factor") ?? 4,
                r.Int("original_max_position_embeddings") ?? 8192),
            _ => throw new ModelConfigException($"{parent.Source}: rope scaling type '{type}' is not supported (default, linear, llama3)"),
        };
    }

    private static string NormaliseActivation(ConfigReader r, string name) => name switch
    {
        "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast" => "gelu_new",
        "gelu" => "gelu",
        "relu" => "relu",
        "silu" or "swish" => "silu",
        _ => throw new ModelConfigException($"{r.Source}: activation '{name}' is not supported (gelu_new, gelu, relu, silu)"),
    };

    /// <summary>Checks the shape is self-consistent; every problem is listed.</summary>
    public void Validate(string sourceName)
    {
        var problems = new List<string>();
        void Positive(string name, long value)
        {
            if (value <= 0)
            {
                problems.Add($"{name} must be positive (got {value})");
            }
        }
        Positive("vocab_size", VocabSize);
        Positive("hidden_size", HiddenSize);
        Positive("num_hidden_layers", NumLayers);
        Positive("num_attention_heads", NumHeads);
        Positive("num_key_value_heads", NumKeyValueHeads);
        Positive("head_dim", HeadDim);
        Positive("intermediate_size", IntermediateSize);
        Positive("max_position_embeddings", MaxPositions);
        if (NumHeads > 0 && NumKeyValueHeads > 0 && NumHeads % NumKeyValueHeads != 0)
        {
            problems.Add($"num_attention_heads ({NumHeads}) must be a multiple of num_key_value_heads ({NumKeyValueHeads})");
        }
        if (Family == ModelFamily.Gpt2 && NumHeads > 0 && HiddenSize % NumHeads != 0)
        {
            problems.Add($"n_embd ({HiddenSize}) must be a multiple of n_head ({NumHeads})");
        }
        if (Family == ModelFamily.Llama && HeadDim % 2 != 0)
        {
            problems.Add($"head_dim ({HeadDim}) must be even for rotary embeddings");
        }
        foreach (var (name, p) in new[] { ("embd_pdrop", EmbeddingDropout), ("resid_pdrop", ResidualDropout), ("attn_pdrop", AttentionDropout) })
        {
            if (p is < 0 or >= 1)
            {
                problems.Add($"{name} must be in [0, 1) (got {p})");
            }
        }
        if (!(NormEps > 0))
        {
            problems.Add($"the norm epsilon must be positive (got {NormEps})");
        }
        if (problems.Count > 0)
        {
            throw new ModelConfigException($"{sourceName}: " + string.Join("; ", problems));
        }
    }

    /// <summary>The config as Hugging Face writes it: the source's keys with this shape written over them.</summary>
    public JsonObject ToJson()
    {
        var root = Source?.DeepClone().AsObject() ?? [];
        root["model_type"] = ModelType;
        root["architectures"] = new JsonArray(Architecture);
        root["vocab_size"] = VocabSize;
        root["tie_word_embeddings"] = TieWordEmbeddings;
        if (Family == ModelFamily.Gpt2)
        {
            root["n_embd"] = HiddenSize;
            root["n_layer"] = NumLayers;
            root["n_head"] = NumHeads;
            root["n_inner"] = IntermediateSize == 4 * HiddenSize ? null : IntermediateSize;
            root["n_positions"] = MaxPositions;
            root.Remove("n_ctx");
            root["layer_norm_epsilon"] = NormEps;
            root["activation_function"] = Activation;
            root["embd_pdrop"] = EmbeddingDropout;
            root["resid_pdrop"] = ResidualDropout;
            root["attn_pdrop"] = AttentionDropout;
            root["scale_attn_by_inverse_layer_idx"] = ScaleAttentionByInverseLayerIndex;
        }
        else
        {
            root["hidden_size"] = HiddenSize;
            root["num_hidden_layers"] = NumLayers;
            root["num_attention_heads"] = NumHeads;
            root["num_key_value_heads"] = NumKeyValueHeads;
            root["intermediate_size"] = IntermediateSize;
            root["max_position_embeddings"] = MaxPositions;
            root["rms_norm_eps"] = NormEps;
            root["hidden_act"] = Activation;
            if (root.ContainsKey("head_dim") || HeadDim != HiddenSize / NumHeads)
            {
                root["head_dim"] = HeadDim;
            }
            if (ModelType == "llama")
            {
                root["attention_bias"] = QkvBias;
            }
            root["mlp_bias"] = MlpBias;
            FitLayerTypes(root);
            if (root["rope_parameters"] is JsonObject parameters)
            {
                parameters["rope_theta"] = RopeTheta;
            }
            else
            {
                root["rope_theta"] = RopeTheta;
            }
        }
        if (BosTokenId is { } bos)
        {
            root["bos_token_id"] = bos;
        }
        if (EosTokenIds.Count == 1)
        {
            root["eos_token_id"] = EosTokenIds[0];
        }
        else if (EosTokenIds.Count > 1)
        {
            root["eos_token_id"] = new JsonArray(EosTokenIds.Select(id => (JsonNode)id).ToArray());
        }
        root["torch_dtype"] ??= "float32";
        return root;
    }

    /// <summary>The Hugging Face class of the model with its LM head (config.json's <c>architectures</c> entry).</summary>
    public string Architecture => ModelType switch
    {
        "gpt2" => "GPT2LMHeadModel",
        "qwen2" => "Qwen2ForCausalLM",
        "mistral" => "MistralForCausalLM",
        _ => "LlamaForCausalLM",
    };

    // Newer Qwen2 configs list an attention type per layer; a list of another length than the layers no longer
    // describes the model: one value repeated is resized, a mixed list is dropped (its loader rebuilds it).
    private void FitLayerTypes(JsonObject root)
    {
        if (root["layer_types"] is not JsonArray types || types.Count == NumLayers)
        {
            return;
        }
        var values = types.Select(t => t?.ToJsonString()).Distinct().ToList();
        if (values.Count == 1 && types[0] is { } only)
        {
            root["layer_types"] = new JsonArray(Enumerable.Range(0, NumLayers).Select(_ => only.DeepClone()).ToArray());
        }
        else
        {
            root.Remove("layer_types");
        }
    }

    /// <summary>Writes config.json into <paramref name="folder"/>.</summary>
    public void Save(string folder)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>Reads typed values from a config object, naming the file and key in errors.</summary>
    private sealed class ConfigReader(JsonObject node, string source)
    {
        public string Source => source;

        public ModelConfigException Missing(string key) => new($"{source}: '{key}' is missing");

        private JsonNode? Find(string[] keys, out string key)
        {
            foreach (var k in keys)
            {
                if (node.TryGetPropertyValue(k, out var value) && value is not null)
                {
                    key = k;
                    return value;
                }
            }
            key = keys[0];
            return null;
        }

        public int RequiredInt(params string[] keys) => Int(keys) ?? throw Missing(keys[0]);

        public int? Int(params string[] keys)
        {
            var value = Find(keys, out var key);
            if (value is null)
            {
                return null;
            }
            if (value is JsonValue v && v.TryGetValue<JsonElement>(out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var i))
            {
                return i;
            }
            if (value is JsonValue v2 && v2.TryGetValue<int>(out var j))
            {
                return j;
            }
            throw new ModelConfigException($"{source}: '{key}' must be an integer (got {value.ToJsonString()})");
        }

        public int[] IntList(string key)
        {
            var value = Find([key], out _);
            if (value is null)
            {
                return [];
            }
            if (value is JsonArray array)
            {
                return array.Select((item, index) => item is JsonValue iv && iv.TryGetValue<int>(out var n)
                    ? n
                    : throw new ModelConfigException($"{source}: '{key}[{index}]' must be an integer")).ToArray();
            }
            return [Int(key)!.Value];
        }

        public double? Double(params string[] keys)
        {
            var value = Find(keys, out var key);
            if (value is null)
            {
                return null;
            }
            if (value is JsonValue v && v.TryGetValue<double>(out var d))
            {
                return d;
            }
            if (value is JsonValue s && s.TryGetValue<string>(out var text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
            {
                return parsed;
            }
            throw new ModelConfigException($"{source}: '{key}' must be a number (got {value.ToJsonString()})");
        }

        public bool? Bool(string key)
        {
            var value = Find([key], out _);
            if (value is null)
            {
                return null;
            }
            return value is JsonValue v && v.TryGetValue<bool>(out var b)
                ? b
                : throw new ModelConfigException($"{source}: '{key}' must be true or false (got {value.ToJsonString()})");
        }

        public string? String(string key)
        {
            var value = Find([key], out _);
            if (value is null)
            {
                return null;
            }
            return value is JsonValue v && v.TryGetValue<string>(out var s)
                ? s
                : throw new ModelConfigException($"{source}: '{key}' must be a string (got {value.ToJsonString()})");
        }

        public JsonObject? Object(string key)
        {
            var value = Find([key], out _);
            return value switch
            {
                null => null,
                JsonObject o => o,
                _ => throw new ModelConfigException($"{source}: '{key}' must be an object (got {value.ToJsonString()})"),
            };
        }
    }
}
