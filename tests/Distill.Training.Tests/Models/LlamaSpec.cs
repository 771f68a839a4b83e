using System.Globalization;
using Distill.Torch;

namespace Distill.Training.Tests.Models;

/// <summary>
/// A tiny Llama-shaped model (llama, qwen2 or mistral) described independently of the code under test: its
/// config.json with the real keys of that model type, and its HF-named random weights.
/// </summary>
internal sealed record LlamaSpec
{
    public const double Llama3Factor = 8;
    public const double Llama3LowFreqFactor = 1;
    public const double Llama3HighFreqFactor = 4;
    public const int Llama3OriginalPositions = 64;

    public string ModelType { get; init; } = "llama";

    public int Vocab { get; init; } = 100;

    public int Hidden { get; init; } = 32;

    public int Layers { get; init; } = 2;

    public int Heads { get; init; } = 4;

    public int KvHeads { get; init; } = 2;

    /// <summary>An explicit head_dim key; null leaves it out (hidden / heads).</summary>
    public int? HeadDim { get; init; }

    public int Intermediate { get; init; } = 48;

    public double Eps { get; init; } = 1e-5;

    public double Theta { get; init; } = 10000;

    public bool Tied { get; init; }

    /// <summary>Llama's attention_bias: biases on q, k, v and o.</summary>
    public bool AttentionBias { get; init; }

    /// <summary>Mistral's sliding_window.</summary>
    public int? SlidingWindow { get; init; }

    /// <summary>Llama 3.1 rope scaling (the constants above).</summary>
    public bool Llama3 { get; init; }

    public RopeSpelling Spelling { get; init; } = RopeSpelling.RopeThetaAndScaling;

    public int HeadSize => HeadDim ?? Hidden / Heads;

    /// <summary>Qwen2 always has q/k/v biases; Llama has them (and o's) with attention_bias.</summary>
    public bool QkvBias => ModelType == "qwen2" || AttentionBias;

    public bool OutputBias => ModelType == "llama" && AttentionBias;

    private static string N(double value) => value.ToString("0.0##############", CultureInfo.InvariantCulture);

    private string Rope()
    {
        var scaling = $"\"factor\": {N(Llama3Factor)}, \"high_freq_factor\": {N(Llama3HighFreqFactor)}, \"low_freq_factor\": {N(Llama3LowFreqFactor)}, \"original_max_position_embeddings\": {Llama3OriginalPositions}";
        var theta = $"\"rope_theta\": {N(Theta)}";
        return Spelling switch
        {
            RopeSpelling.RopeParameters => Llama3
                ? $"\"rope_parameters\": {{\"rope_type\": \"llama3\", {theta}, {scaling}}},"
                : $"\"rope_parameters\": {{\"rope_type\": \"default\", {theta}}},",
            RopeSpelling.LegacyScalingType => Llama3
                ? $"{theta}, \"rope_scaling\": {{{scaling}, \"type\": \"llama3\"}},"
                : $"{theta}, \"rope_scaling\": null,",
            _ => Llama3
                ? $"{theta}, \"rope_scaling\": {{{scaling}, \"rope_type\": \"llama3\"}},"
                : $"{theta}, \"rope_scaling\": null,",
        };
    }

    /// <summary>config.json as transformers writes it for this model type.</summary>
    public string ConfigJson()
    {
        var headDim = HeadDim is { } d ? $"\"head_dim\": {d}," : "";
        var common = $$"""
              "attention_dropout": 0.0,
              "bos_token_id": 1,
              "eos_token_id": 2,
              {{headDim}}
              "hidden_act": "silu",
              "hidden_size": {{Hidden}},
              "initializer_range": 0.02,
              "intermediate_size": {{Intermediate}},
              "max_position_embeddings": 64,
              "num_attention_heads": {{Heads}},
              "num_hidden_layers": {{Layers}},
              "num_key_value_heads": {{KvHeads}},
              "rms_norm_eps": {{Eps.ToString("R", CultureInfo.InvariantCulture)}},
              {{Rope()}}
              "tie_word_embeddings": {{(Tied ? "true" : "false")}},
              "torch_dtype": "float32",
              "transformers_version": "4.57.6",
              "use_cache": true,
              "vocab_size": {{Vocab}}
            """;
        var layerTypes = string.Join(", ", Enumerable.Repeat("\"full_attention\"", Layers));
        var specific = ModelType switch
        {
            "qwen2" => $"""
                "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "layer_types": [{layerTypes}],
                "max_window_layers": {Layers}, "sliding_window": null, "use_sliding_window": false,
                """,
            "mistral" => $"""
                "architectures": ["MistralForCausalLM"], "model_type": "mistral", "sliding_window": {SlidingWindow?.ToString(CultureInfo.InvariantCulture) ?? "null"},
                """,
            _ => $"""
                "architectures": ["LlamaForCausalLM"], "model_type": "llama", "attention_bias": {(AttentionBias ? "true" : "false")},
                "mlp_bias": false, "pretraining_tp": 1,
                """,
        };
        return "{\n" + specific + "\n" + common + "\n}\n";
    }

    /// <summary>Random weights under the *ForCausalLM names (<c>model.</c> prefix; Linear weights [out, in]).</summary>
    public Dictionary<string, Tensor> RandomWeights(ulong seed)
    {
        using var g = new Generator(seed);
        Tensor R(long[] shape, double std) => Tensor.Randn(shape, g, 0, std);
        Tensor Norm(long n) => Tensor.Randn([n], g, 1, 0.1);
        long q = (long)Heads * HeadSize, kv = (long)KvHeads * HeadSize;
        var w = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["model.embed_tokens.weight"] = R([Vocab, Hidden], 0.5),
        };
        for (var l = 0; l < Layers; l++)
        {
            var p = $"model.layers.{l}.";
            w[p + "input_layernorm.weight"] = Norm(Hidden);
            w[p + "self_attn.q_proj.weight"] = R([q, Hidden], 0.3);
            w[p + "self_attn.k_proj.weight"] = R([kv, Hidden], 0.3);
            w[p + "self_attn.v_proj.weight"] = R([kv, Hidden], 0.3);
            w[p + "self_attn.o_proj.weight"] = R([Hidden, q], 0.2);
            if (QkvBias)
            {
                w[p + "self_attn.q_proj.bias"] = R([q], 0.2);
                w[p + "self_attn.k_proj.bias"] = R([kv], 0.2);
                w[p + "self_attn.v_proj.bias"] = R([kv], 0.2);
            }
            if (OutputBias)
            {
                w[p + "self_attn.o_proj.bias"] = R([Hidden], 0.1);
            }
            w[p + "post_attention_layernorm.weight"] = Norm(Hidden);
            w[p + "mlp.gate_proj.weight"] = R([Intermediate, Hidden], 0.3);
            w[p + "mlp.up_proj.weight"] = R([Intermediate, Hidden], 0.3);
            w[p + "mlp.down_proj.weight"] = R([Hidden, Intermediate], 0.2);
        }
        w["model.norm.weight"] = Norm(Hidden);
        if (!Tied)
        {
            w["lm_head.weight"] = R([Vocab, Hidden], 0.3);
        }
        return w;
    }
}
