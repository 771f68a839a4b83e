using Distill.Contracts.Models;
using Distill.Torch.Nn;
using Distill.Torch;

namespace Distill.Training.Models;

/// <summary>One GPT-2 block: x + attn(ln_1(x)), then + mlp(ln_2(·)).</summary>
public sealed class Gpt2Block : Module
{
    public Gpt2Block(ModelConfig config, int layerIndex, Device device)
    {
        Ln1 = RegisterModule("ln_1", new LayerNorm(config.HiddenSize, config.NormEps, device: device));
        Attn = RegisterModule("attn", new Gpt2Attention(config, layerIndex, device));
        Ln2 = RegisterModule("ln_2", new LayerNorm(config.HiddenSize, config.NormEps, device: device));
        Mlp = RegisterModule("mlp", new Gpt2Mlp(config, device));
    }

    public LayerNorm Ln1 { get; }

    public Gpt2Attention Attn { get; }

    public LayerNorm Ln2 { get; }

    public Gpt2Mlp Mlp { get; }
}
