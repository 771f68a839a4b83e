using Distill.Contracts.Models;
using Distill.Torch.Nn;
using Distill.Torch;

namespace Distill.Training.Models;

/// <summary>GPT-2's backbone (Hugging Face GPT2Model): wte, wpe, h.N, ln_f.</summary>
public sealed class Gpt2Transformer : Module
{
    public Gpt2Transformer(ModelConfig config, Device device)
    {
        Wte = RegisterModule("wte", new Embedding(config.VocabSize, config.HiddenSize, device, initialize: false));
        Wpe = RegisterModule("wpe", new Embedding(config.MaxPositions, config.HiddenSize, device, initialize: false));
        H = RegisterModule("h", new ModuleList<Gpt2Block>(Enumerable.Range(0, config.NumLayers).Select(i => new Gpt2Block(config, i, device))));
        LnF = RegisterModule("ln_f", new LayerNorm(config.HiddenSize, config.NormEps, device: device));
    }

    public Embedding Wte { get; }

    public Embedding Wpe { get; }

    public ModuleList<Gpt2Block> H { get; }

    public LayerNorm LnF { get; }
}
