using Distill.Torch;

namespace Distill.Training.Tests.Models;

/// <summary>
/// Independent forward passes of GPT-2 and Llama written out longhand from the Hugging Face definitions, in float64:
/// one head at a time, an explicit causal mask, softmax, LayerNorm, RMSNorm, GELU, SiLU and rotate_half typed out
/// as formulas. They read the weights by their checkpoint names and share no code with the models under test.
/// </summary>
internal static class ReferenceForward
{
    /// <summary>Logits [B, T, V]; the residual stream after the embedding and after each layer; each layer's probabilities [B, H, T, T].</summary>
    public sealed record Result(Tensor Logits, IReadOnlyList<Tensor> HiddenStates, IReadOnlyList<Tensor> Attentions);

    public static Result Gpt2(Gpt2Spec spec, IReadOnlyDictionary<string, Tensor> weights, Tensor ids)
    {
        Tensor W(string name) => weights[name].To(DType.Float64);
        long batch = ids.Size(0), length = ids.Size(1), hidden = spec.Hidden, headDim = spec.Hidden / spec.Heads;
        var flat = ids.Reshape(-1);
        var x = (W("transformer.wte.weight").IndexSelect(0, flat) + W("transformer.wpe.weight").IndexSelect(0, Positions(batch, length)))
            .Reshape(batch, length, hidden);
        var states = new List<Tensor> { x };
        var attentions = new List<Tensor>();
        var mask = CausalMask(length, window: null);
        for (var l = 0; l < spec.Layers; l++)
        {
            var p = $"transformer.h.{l}.";
            var h = LayerNorm(x, W(p + "ln_1.weight"), W(p + "ln_1.bias"), spec.Eps);
            // Conv1D: x · W + b with W stored [in, out]; q, k, v in that order.
            var qkv = h.MatMul(W(p + "attn.c_attn.weight")) + W(p + "attn.c_attn.bias");
            var q = qkv.Narrow(-1, 0, hidden);
            var k = qkv.Narrow(-1, hidden, hidden);
            var v = qkv.Narrow(-1, 2 * hidden, hidden);
            var outputs = new List<Tensor>();
            var probabilities = new List<Tensor>();
            for (var head = 0; head < spec.Heads; head++)
            {
                var qh = q.Narrow(-1, head * headDim, headDim);
                var kh = k.Narrow(-1, head * headDim, headDim);
                var vh = v.Narrow(-1, head * headDim, headDim);
                var scores = qh.MatMul(kh.Transpose(1, 2)) / Math.Sqrt(headDim) + mask;
                var probs = Softmax(scores);
                probabilities.Add(probs);
                outputs.Add(probs.MatMul(vh));
            }
            attentions.Add(Tensor.Stack([.. probabilities], 1));
            var attended = Tensor.Cat([.. outputs], -1).MatMul(W(p + "attn.c_proj.weight")) + W(p + "attn.c_proj.bias");
            x = x + attended;
            var h2 = LayerNorm(x, W(p + "ln_2.weight"), W(p + "ln_2.bias"), spec.Eps);
            var up = GeluTanh(h2.MatMul(W(p + "mlp.c_fc.weight")) + W(p + "mlp.c_fc.bias"));
            x = x + up.MatMul(W(p + "mlp.c_proj.weight")) + W(p + "mlp.c_proj.bias");
            states.Add(x);
        }
        var final = LayerNorm(x, W("transformer.ln_f.weight"), W("transformer.ln_f.bias"), spec.Eps);
        var headWeight = spec.Tied ? W("transformer.wte.weight") : W("lm_head.weight");
        return new Result(final.MatMul(headWeight.Transpose(0, 1)), states, attentions);
    }

    public static Result Llama(LlamaSpec spec, IReadOnlyDictionary<string, Tensor> weights, Tensor ids)
    {
        Tensor W(string name) => weights[name].To(DType.Float64);
        Tensor Project(Tensor x, string name, bool bias) =>
            bias ? x.MatMul(W(name + ".weight").Transpose(0, 1)) + W(name + ".bias") : x.MatMul(W(name + ".weight").Transpose(0, 1));
        long batch = ids.Size(0), length = ids.Size(1), headDim = spec.HeadSize;
        var groups = spec.Heads / spec.KvHeads;
        var x = W("model.embed_tokens.weight").IndexSelect(0, ids.Reshape(-1)).Reshape(batch, length, spec.Hidden);
        var states = new List<Tensor> { x };
        var attentions = new List<Tensor>();
        var mask = CausalMask(length, spec.SlidingWindow);
        var (cos, sin) = RopeTables(spec, length);
        for (var l = 0; l < spec.Layers; l++)
        {
            var p = $"model.layers.{l}.";
            var h = RmsNorm(x, W(p + "input_layernorm.weight"), spec.Eps);
            var q = Project(h, p + "self_attn.q_proj", spec.QkvBias);
            var k = Project(h, p + "self_attn.k_proj", spec.QkvBias);
            var v = Project(h, p + "self_attn.v_proj", spec.QkvBias);
            var outputs = new List<Tensor>();
            var probabilities = new List<Tensor>();
            for (var head = 0; head < spec.Heads; head++)
            {
                var kvHead = head / groups;
                var qh = Rotate(q.Narrow(-1, head * headDim, headDim), cos, sin);
                var kh = Rotate(k.Narrow(-1, kvHead * headDim, headDim), cos, sin);
                var vh = v.Narrow(-1, kvHead * headDim, headDim);
                var scores = qh.MatMul(kh.Transpose(1, 2)) * Math.Pow(headDim, -0.5) + mask;
                var probs = Softmax(scores);
                probabilities.Add(probs);
                outputs.Add(probs.MatMul(vh));
            }
            attentions.Add(Tensor.Stack([.. probabilities], 1));
            x = x + Project(Tensor.Cat([.. outputs], -1), p + "self_attn.o_proj", spec.OutputBias);
            var h2 = RmsNorm(x, W(p + "post_attention_layernorm.weight"), spec.Eps);
            var gate = Project(h2, p + "mlp.gate_proj", bias: false);
            var up = Project(h2, p + "mlp.up_proj", bias: false);
            x = x + Project(Silu(gate) * up, p + "mlp.down_proj", bias: false);
            states.Add(x);
        }
        var final = RmsNorm(x, W("model.norm.weight"), spec.Eps);
        var headWeight = spec.Tied ? W("model.embed_tokens.weight") : W("lm_head.weight");
        return new Result(final.MatMul(headWeight.Transpose(0, 1)), states, attentions);
    }

    /// <summary>
    /// Rotary inverse frequencies θ^(−2i/d), with Llama 3.1's rescaling as transformers' _compute_llama3_parameters:
    /// wavelengths above original/low_freq_factor divided by the factor, below original/high_freq_factor kept, and
    /// a linear blend of the two in between.
    /// </summary>
    public static double[] InverseFrequencies(LlamaSpec spec)
    {
        var d = spec.HeadSize;
        var result = new double[d / 2];
        for (var i = 0; i < result.Length; i++)
        {
            var frequency = 1.0 / Math.Pow(spec.Theta, 2.0 * i / d);
            if (spec.Llama3)
            {
                var wavelength = 2 * Math.PI / frequency;
                var lowFrequencyWavelength = LlamaSpec.Llama3OriginalPositions / LlamaSpec.Llama3LowFreqFactor;
                var highFrequencyWavelength = LlamaSpec.Llama3OriginalPositions / LlamaSpec.Llama3HighFreqFactor;
                if (wavelength > lowFrequencyWavelength)
                {
                    frequency /= LlamaSpec.Llama3Factor;
                }
                else if (wavelength >= highFrequencyWavelength)
                {
                    var smooth = (LlamaSpec.Llama3OriginalPositions / wavelength - LlamaSpec.Llama3LowFreqFactor)
                        / (LlamaSpec.Llama3HighFreqFactor - LlamaSpec.Llama3LowFreqFactor);
                    frequency = (1 - smooth) * frequency / LlamaSpec.Llama3Factor + smooth * frequency;
                }
            }
            result[i] = frequency;
        }
        return result;
    }

    /// <summary>cos and sin of position · frequency, [T, d], the d/2 frequencies repeated (cat(freqs, freqs)).</summary>
    private static (Tensor Cos, Tensor Sin) RopeTables(LlamaSpec spec, long length)
    {
        var frequencies = InverseFrequencies(spec);
        var d = spec.HeadSize;
        var cos = new double[length * d];
        var sin = new double[length * d];
        for (var t = 0; t < length; t++)
        {
            for (var j = 0; j < d; j++)
            {
                var angle = t * frequencies[j % (d / 2)];
                cos[t * d + j] = Math.Cos(angle);
                sin[t * d + j] = Math.Sin(angle);
            }
        }
        return (Tensor.FromArray(cos, length, d), Tensor.FromArray(sin, length, d));
    }

    /// <summary>x·cos + rotate_half(x)·sin, rotate_half(x) = cat(−x[d/2:], x[:d/2]).</summary>
    private static Tensor Rotate(Tensor x, Tensor cos, Tensor sin)
    {
        var half = x.Size(-1) / 2;
        var rotated = Tensor.Cat([-x.Narrow(-1, half, half), x.Narrow(-1, 0, half)], -1);
        return x * cos + rotated * sin;
    }

    /// <summary>0 where query i may see key j (j ≤ i, and i − j &lt; window when there is one), −∞ elsewhere; [T, T].</summary>
    private static Tensor CausalMask(long length, int? window)
    {
        var mask = new double[length * length];
        for (var i = 0; i < length; i++)
        {
            for (var j = 0; j < length; j++)
            {
                var visible = j <= i && (window is not { } w || i - j < w);
                mask[i * length + j] = visible ? 0 : double.NegativeInfinity;
            }
        }
        return Tensor.FromArray(mask, length, length);
    }

    private static Tensor Positions(long batch, long length)
    {
        var positions = new long[batch * length];
        for (var i = 0; i < positions.Length; i++)
        {
            positions[i] = i % length;
        }
        return Tensor.FromArray(positions);
    }

    /// <summary>exp(s − max) / Σ exp(s − max) over the last dimension.</summary>
    private static Tensor Softmax(Tensor scores)
    {
        var e = (scores - scores.AMax(-1, keepDim: true)).Exp();
        return e / e.Sum(-1, keepDim: true);
    }

    /// <summary>(x − mean) / √(biased variance + eps) · w + b over the last dimension.</summary>
    private static Tensor LayerNorm(Tensor x, Tensor weight, Tensor bias, double eps)
    {
        var centered = x - x.Mean(-1, keepDim: true);
        var variance = (centered * centered).Mean(-1, keepDim: true);
        return centered / (variance + eps).Sqrt() * weight + bias;
    }

    /// <summary>x / √(mean(x²) + eps) · w over the last dimension.</summary>
    private static Tensor RmsNorm(Tensor x, Tensor weight, double eps) =>
        x / ((x * x).Mean(-1, keepDim: true) + eps).Sqrt() * weight;

    /// <summary>gelu_new: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).</summary>
    private static Tensor GeluTanh(Tensor x) =>
        0.5 * x * (1.0 + (Math.Sqrt(2.0 / Math.PI) * (x + 0.044715 * x * x * x)).Tanh());

    /// <summary>x·σ(x) = x / (1 + e^−x).</summary>
    private static Tensor Silu(Tensor x) => x / (1.0 + (-x).Exp());
}
