using Distill.Contracts.Models;
using Distill.Torch.Nn;
using Distill.Torch;

namespace Distill.Training.Models;

/// <summary>One Llama layer: x + attn(input_layernorm(x)), then + mlp(post_attention_layernorm(·)).</summary>
public sealed class LlamaDecoderLayer : Module
{
    public LlamaDecoderLayer(ModelConfig config, Device device)
    {
        InputLayerNorm = RegisterModule("input_layernorm", new RmsNorm(config.HiddenSize, config.NormEps, device));
        SelfAttn = RegisterModule("self_attn", new LlamaAttention(config, device));
        PostAttentionLayerNorm = RegisterModule("post_attention_layernorm", new RmsNorm(config.HiddenSize, config.NormEps, device));
        Mlp = RegisterModule("mlp", new LlamaMlp(config, device));
    }

    public RmsNorm InputLayerNorm { get; }

    public LlamaAttention SelfAttn { get; }

    public RmsNorm PostAttentionLayerNorm { get; }

    public LlamaMlp Mlp { get; }
}
