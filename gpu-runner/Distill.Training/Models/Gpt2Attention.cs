using Distill.Contracts.Models;
using Distill.Torch.Nn;
using Distill.Torch;

namespace Distill.Training.Models;

/// <summary>GPT-2 causal self-attention: one Conv1D to q, k, v (in that order), heads, Conv1D output projection.</summary>
public sealed class Gpt2Attention : Module
{
    private readonly ModelConfig _config;
    private readonly double _scale;

    public Gpt2Attention(ModelConfig config, int layerIndex, Device device)
    {
        _config = config;
        var scale = 1.0 / Math.Sqrt(config.HeadDim);
        _scale = config.ScaleAttentionByInverseLayerIndex ? scale / (layerIndex + 1) : scale;
        CAttn = RegisterModule("c_attn", new Conv1D(config.HiddenSize, 3L * config.HiddenSize, device));
        CProj = RegisterModule("c_proj", new Conv1D(config.HiddenSize, config.HiddenSize, device));
    }

    public Conv1D CAttn { get; }

    public Conv1D CProj { get; }

    internal (Tensor Output, Tensor? Weights) Forward(Tensor x, Tensor? keepMask, bool wantWeights, double attentionDropout, Generator? generator)
    {
        long batch = x.Size(0), length = x.Size(1), hidden = _config.HiddenSize;
        var qkv = CAttn.Forward(x).Split(hidden, 2);
        var q = Heads(qkv[0], batch, length);
        var k = Heads(qkv[1], batch, length);
        var v = Heads(qkv[2], batch, length);
        Tensor y;
        Tensor? weights = null;
        if (wantWeights)
        {
            (y, weights) = Functional.AttentionWithWeights(q, k, v, causal: true, keepMask, attentionDropout, _scale, generator);
        }
        else
        {
            y = Functional.Attention(q, k, v, causal: true, keepMask, attentionDropout, _scale, generator);
        }
        y = y.Transpose(1, 2).Reshape(batch, length, hidden);
        return (CProj.Forward(y), weights);
    }

    private Tensor Heads(Tensor x, long batch, long length) =>
        x.View(batch, length, _config.NumHeads, _config.HeadDim).Transpose(1, 2);
}
