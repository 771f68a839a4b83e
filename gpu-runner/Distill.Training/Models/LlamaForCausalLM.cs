using Distill.Contracts.Models;
using Distill.Torch.Nn;
using Distill.Torch;

namespace Distill.Training.Models;

/// <summary>
/// Hugging Face LlamaForCausalLM (also the Llama-shaped Qwen2 and Mistral): a backbone under <c>model.</c> and an
/// <c>lm_head</c>, or the embedding matrix when the head is tied.
/// </summary>
public sealed class LlamaForCausalLM : CausalLanguageModel
{
    private readonly RotaryEmbedding _rotary;

    public LlamaForCausalLM(ModelConfig config, Device device)
        : base(config)
    {
        if (config.Family != ModelFamily.Llama)
        {
            throw new ArgumentException($"a {config.ModelType} config cannot build a Llama model", nameof(config));
        }
        Model = RegisterModule("model", new LlamaBackbone(config, device));
        if (!config.TieWordEmbeddings)
        {
            LmHead = RegisterModule("lm_head", new Linear(config.HiddenSize, config.VocabSize, bias: false, device, initialize: false));
        }
        _rotary = new RotaryEmbedding(config);
    }

    public LlamaBackbone Model { get; }

    public Linear? LmHead { get; }

    public override Tensor TokenEmbeddingWeight => Model.EmbedTokens.Weight;

    public override Tensor HeadWeight => LmHead?.Weight ?? Model.EmbedTokens.Weight;

    public override ModelOutput Forward(Tensor ids, ForwardOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(ids);
        options ??= ForwardOptions.Default;
        var length = ids.Size(1);
        var (cos, sin) = _rotary.Tables(length, ids.Device);
        var keepMask = CombineMasks(PaddingKeepMask(options.AttentionMask, length), SlidingWindowMask(length, ids.Device));
        var x = Model.EmbedTokens.Forward(ids);
        var hidden = options.HiddenStates ? new List<Tensor> { x } : null;
        var attentions = options.Attentions ? new List<Tensor>() : null;
        var attentionDropout = IsTraining ? Config.AttentionDropout : 0;
        foreach (var layer in Model.Layers)
        {
            var (attended, weights) = layer.SelfAttn.Forward(layer.InputLayerNorm.Forward(x), cos, sin, keepMask, options.Attentions, attentionDropout, DropoutGenerator);
            x = x + attended;
            x = x + layer.Mlp.Forward(layer.PostAttentionLayerNorm.Forward(x));
            hidden?.Add(x);
            if (weights is not null)
            {
                attentions!.Add(weights);
            }
        }
        var final = Model.Norm.Forward(x);
        return new ModelOutput
        {
            FinalHidden = final,
            Logits = options.Logits ? Head(final) : null,
            HiddenStates = hidden,
            Attentions = attentions,
        };
    }

    // Mistral: a query sees at most the last `window` keys (itself included).
    private Tensor? SlidingWindowMask(long length, Device device)
    {
        if (Config.SlidingWindow is not { } window || length <= window)
        {
            return null;
        }
        var positions = Tensor.Arange(0, length, 1, DType.Int64, device);
        var distance = positions.Unsqueeze(1) - positions.Unsqueeze(0);
        return distance.Lt(window);
    }

    private static Tensor? CombineMasks(Tensor? a, Tensor? b) => a is null ? b : b is null ? a : a.LogicalAnd(b);

    public override void InitializeWeights(Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        foreach (var (name, p) in NamedParameters())
        {
            if (name.EndsWith(".bias", StringComparison.Ordinal))
            {
                Init.Constant(p, 0);
            }
            else if (name.EndsWith("norm.weight", StringComparison.Ordinal))
            {
                Init.Constant(p, 1);
            }
            else
            {
                Init.Normal(p, 0, 0.02, generator);
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _rotary.Dispose();
        }
        base.Dispose(disposing);
    }
}
