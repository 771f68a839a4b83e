using Distill.Contracts.Models;
using Distill.Torch.Nn;
using Distill.Torch;

namespace Distill.Training.Models;

/// <summary>Llama self-attention: q/k/v/o projections, rotary positions, grouped-query heads.</summary>
public sealed class LlamaAttention : Module
{
    private readonly ModelConfig _config;

    public LlamaAttention(ModelConfig config, Device device)
    {
        _config = config;
        long hidden = config.HiddenSize, qWidth = (long)config.NumHeads * config.HeadDim, kvWidth = (long)config.NumKeyValueHeads * config.HeadDim;
        QProj = RegisterModule("q_proj", new Linear(hidden, qWidth, config.QkvBias, device, initialize: false));
        KProj = RegisterModule("k_proj", new Linear(hidden, kvWidth, config.QkvBias, device, initialize: false));
        VProj = RegisterModule("v_proj", new Linear(hidden, kvWidth, config.QkvBias, device, initialize: false));
        OProj = RegisterModule("o_proj", new Linear(qWidth, hidden, config.AttentionOutputBias, device, initialize: false));
    }

    public Linear QProj { get; }

    public Linear KProj { get; }

    public Linear VProj { get; }

    public Linear OProj { get; }

    internal (Tensor Output, Tensor? Weights) Forward(Tensor x, Tensor cos, Tensor sin, Tensor? keepMask, bool wantWeights, double attentionDropout, Generator? generator)
    {
        long batch = x.Size(0), length = x.Size(1);
        var q = RotaryEmbedding.Apply(Heads(QProj.Forward(x), batch, length, _config.NumHeads), cos, sin);
        var k = RotaryEmbedding.Apply(Heads(KProj.Forward(x), batch, length, _config.NumKeyValueHeads), cos, sin);
        var v = Heads(VProj.Forward(x), batch, length, _config.NumKeyValueHeads);
        Tensor y;
        Tensor? weights = null;
        if (wantWeights)
        {
            (y, weights) = Functional.AttentionWithWeights(q, k, v, causal: true, keepMask, attentionDropout, generator: generator);
        }
        else
        {
            y = Functional.Attention(q, k, v, causal: true, keepMask, attentionDropout, generator: generator);
        }
        return (OProj.Forward(y.Transpose(1, 2).Reshape(batch, length, (long)_config.NumHeads * _config.HeadDim)), weights);
    }

    private Tensor Heads(Tensor x, long batch, long length, int heads) =>
        x.View(batch, length, heads, _config.HeadDim).Transpose(1, 2);
}
