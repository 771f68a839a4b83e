using Distill.Contracts.Models;
using Distill.Torch.Nn;
using Distill.Torch;

namespace Distill.Training.Models;

/// <summary>Hugging Face GPT2LMHeadModel: a GPT-2 backbone under <c>transformer.</c> and an LM head tied to wte.</summary>
public sealed class Gpt2ForCausalLM : CausalLanguageModel
{
    public Gpt2ForCausalLM(ModelConfig config, Device device)
        : base(config)
    {
        if (config.Family != ModelFamily.Gpt2)
        {
            throw new ArgumentException($"a {config.ModelType} config cannot build a GPT-2 model", nameof(config));
        }
        Transformer = RegisterModule("transformer", new Gpt2Transformer(config, device));
        if (!config.TieWordEmbeddings)
        {
            LmHead = RegisterModule("lm_head", new Linear(config.HiddenSize, config.VocabSize, bias: false, device, initialize: false));
        }
    }

    public Gpt2Transformer Transformer { get; }

    public Linear? LmHead { get; }

    public override Tensor TokenEmbeddingWeight => Transformer.Wte.Weight;

    public override Tensor HeadWeight => LmHead?.Weight ?? Transformer.Wte.Weight;

    public override ModelOutput Forward(Tensor ids, ForwardOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(ids);
        options ??= ForwardOptions.Default;
        var length = ids.Size(1);
        if (length > Config.MaxPositions)
        {
            throw new ArgumentException($"the sequence has {length} tokens but the model has {Config.MaxPositions} positions", nameof(ids));
        }
        var positions = Tensor.Arange(0, length, 1, DType.Int64, ids.Device);
        var x = Transformer.Wte.Forward(ids) + Transformer.Wpe.Forward(positions);
        x = Dropout(x, Config.EmbeddingDropout);
        var keepMask = PaddingKeepMask(options.AttentionMask, length);
        var hidden = options.HiddenStates ? new List<Tensor> { x } : null;
        var attentions = options.Attentions ? new List<Tensor>() : null;
        var attentionDropout = IsTraining ? Config.AttentionDropout : 0;
        foreach (var block in Transformer.H)
        {
            var (attended, weights) = block.Attn.Forward(block.Ln1.Forward(x), keepMask, options.Attentions, attentionDropout, DropoutGenerator);
            x = x + Dropout(attended, Config.ResidualDropout);
            x = x + Dropout(block.Mlp.Forward(block.Ln2.Forward(x)), Config.ResidualDropout);
            hidden?.Add(x);
            if (weights is not null)
            {
                attentions!.Add(weights);
            }
        }
        var final = Transformer.LnF.Forward(x);
        return new ModelOutput
        {
            FinalHidden = final,
            Logits = options.Logits ? Head(final) : null,
            HiddenStates = hidden,
            Attentions = attentions,
        };
    }

    public override void InitializeWeights(Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        // Hugging Face GPT2PreTrainedModel._init_weights, including the residual projections' 1/√(2·n_layer).
        var projectionStd = 0.02 / Math.Sqrt(2.0 * Config.NumLayers);
        foreach (var (name, p) in NamedParameters())
        {
            if (name.EndsWith(".bias", StringComparison.Ordinal))
            {
                Init.Constant(p, 0);
            }
            else if (name.Contains(".ln_", StringComparison.Ordinal))
            {
                Init.Constant(p, 1);
            }
            else if (name.EndsWith("c_proj.weight", StringComparison.Ordinal))
            {
                Init.Normal(p, 0, projectionStd, generator);
            }
            else
            {
                Init.Normal(p, 0, 0.02, generator);
            }
        }
    }
}
