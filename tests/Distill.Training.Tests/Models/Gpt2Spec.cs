using System.Globalization;
using Distill.Torch;

namespace Distill.Training.Tests.Models;

/// <summary>A tiny GPT-2 described independently of the code under test: its config.json and its HF-named random weights.</summary>
internal sealed record Gpt2Spec
{
    public int Vocab { get; init; } = 97;

    public int Hidden { get; init; } = 32;

    public int Layers { get; init; } = 2;

    public int Heads { get; init; } = 4;

    public int Positions { get; init; } = 16;

    /// <summary>n_inner; null means 4 · n_embd, as GPT2Config says.</summary>
    public int? Inner { get; init; }

    public double Eps { get; init; } = 1e-5;

    public bool Tied { get; init; } = true;

    public int InnerSize => Inner ?? 4 * Hidden;

    /// <summary>config.json as transformers' GPT2Config writes it (the real keys, including ones Distill ignores).</summary>
    public string ConfigJson() => $$"""
        {
          "_name_or_path": "tiny-gpt2",
          "activation_function": "gelu_new",
          "architectures": ["GPT2LMHeadModel"],
          "attn_pdrop": 0.1,
          "bos_token_id": {{Vocab - 1}},
          "embd_pdrop": 0.1,
          "eos_token_id": {{Vocab - 1}},
          "initializer_range": 0.02,
          "layer_norm_epsilon": {{Eps.ToString("R", CultureInfo.InvariantCulture)}},
          "model_type": "gpt2",
          "n_ctx": {{Positions}},
          "n_embd": {{Hidden}},
          "n_head": {{Heads}},
          "n_inner": {{(Inner is { } inner ? inner.ToString(CultureInfo.InvariantCulture) : "null")}},
          "n_layer": {{Layers}},
          "n_positions": {{Positions}},
          "reorder_and_upcast_attn": false,
          "resid_pdrop": 0.1,
          "scale_attn_by_inverse_layer_idx": false,
          "scale_attn_weights": true,
          "summary_activation": null,
          "summary_first_dropout": 0.1,
          "summary_proj_to_labels": true,
          "summary_type": "cls_index",
          "summary_use_proj": true,
          "task_specific_params": {"text-generation": {"do_sample": true, "max_length": 50} },
          "tie_word_embeddings": {{(Tied ? "true" : "false")}},
          "torch_dtype": "float32",
          "transformers_version": "4.57.6",
          "use_cache": true,
          "vocab_size": {{Vocab}}
        }
        """;

    /// <summary>
    /// Random weights under GPT2LMHeadModel's names (<c>transformer.</c> prefix; Conv1D weights [in, out]), large
    /// enough that attention is far from uniform. They belong to the caller's scope.
    /// </summary>
    public Dictionary<string, Tensor> RandomWeights(ulong seed)
    {
        using var g = new Generator(seed);
        Tensor R(long[] shape, double std) => Tensor.Randn(shape, g, 0, std);
        Tensor Norm(long n) => Tensor.Randn([n], g, 1, 0.1);
        var w = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["transformer.wte.weight"] = R([Vocab, Hidden], 0.3),
            ["transformer.wpe.weight"] = R([Positions, Hidden], 0.3),
        };
        for (var l = 0; l < Layers; l++)
        {
            var p = $"transformer.h.{l}.";
            w[p + "ln_1.weight"] = Norm(Hidden);
            w[p + "ln_1.bias"] = R([Hidden], 0.1);
            w[p + "attn.c_attn.weight"] = R([Hidden, 3 * Hidden], 0.3);
            w[p + "attn.c_attn.bias"] = R([3 * Hidden], 0.1);
            w[p + "attn.c_proj.weight"] = R([Hidden, Hidden], 0.2);
            w[p + "attn.c_proj.bias"] = R([Hidden], 0.1);
            w[p + "ln_2.weight"] = Norm(Hidden);
            w[p + "ln_2.bias"] = R([Hidden], 0.1);
            w[p + "mlp.c_fc.weight"] = R([Hidden, InnerSize], 0.2);
            w[p + "mlp.c_fc.bias"] = R([InnerSize], 0.1);
            w[p + "mlp.c_proj.weight"] = R([InnerSize, Hidden], 0.1);
            w[p + "mlp.c_proj.bias"] = R([Hidden], 0.1);
        }
        w["transformer.ln_f.weight"] = Norm(Hidden);
        w["transformer.ln_f.bias"] = R([Hidden], 0.1);
        if (!Tied)
        {
            w["lm_head.weight"] = R([Vocab, Hidden], 0.3);
        }
        return w;
    }
}
