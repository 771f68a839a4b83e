using Distill.Contracts.Models;
using Distill.Torch.Nn;
using Distill.Torch;

namespace Distill.Training.Models;

/// <summary>Llama's backbone (Hugging Face LlamaModel): embed_tokens, layers.N, norm.</summary>
public sealed class LlamaBackbone : Module
{
    public LlamaBackbone(ModelConfig config, Device device)
    {
        EmbedTokens = RegisterModule("embed_tokens", new Embedding(config.VocabSize, config.HiddenSize, device, initialize: false));
        Layers = RegisterModule("layers", new ModuleList<LlamaDecoderLayer>(Enumerable.Range(0, config.NumLayers).Select(_ => new LlamaDecoderLayer(config, device))));
        Norm = RegisterModule("norm", new RmsNorm(config.HiddenSize, config.NormEps, device));
    }

    public Embedding EmbedTokens { get; }

    public ModuleList<LlamaDecoderLayer> Layers { get; }

    public RmsNorm Norm { get; }
}
