using Distill.Torch;
using Distill.Torch.Nn;

namespace Distill.Training.Models;

/// <summary>
/// A decoder-only language model whose module tree mirrors the Hugging Face class, so every parameter's name is its
/// checkpoint key. Build one with <see cref="Create"/>; load and save through <see cref="ModelCheckpoint"/>.
/// </summary>
public abstract class CausalLanguageModel : Module
{
    protected CausalLanguageModel(ModelConfig config, Device device)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        Device = device;
    }

    public ModelConfig Config { get; }

    public Device Device { get; private set; }

    /// <summary>Draws dropout masks; set it (and save its state) for reproducible, resumable training.</summary>
    public Generator? DropoutGenerator { get; set; }

    /// <summary>The token-embedding matrix [V, C].</summary>
    public abstract Tensor TokenEmbeddingWeight { get; }

    /// <summary>The output head's weight [V, C] (the embedding matrix itself when tied).</summary>
    public abstract Tensor HeadWeight { get; }

    /// <summary>Runs the model on token ids [B, T].</summary>
    public abstract ModelOutput Forward(Tensor ids, ForwardOptions? options = null);

    /// <summary>Logits for final hidden states (any leading shape): the head alone, for chunked losses.</summary>
    public Tensor Head(Tensor finalHidden) => Functional.Linear(finalHidden, HeadWeight);

    /// <summary>Sets every parameter from scratch as Hugging Face's _init_weights does (N(0, 0.02), norms to 1).</summary>
    public abstract void InitializeWeights(Generator generator);

    /// <summary>A model of <paramref name="config"/>'s family with uninitialised weights (load or initialise them next).</summary>
    public static CausalLanguageModel Create(ModelConfig config, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var dev = device ?? Device.Cpu;
        return config.Family switch
        {
            ModelFamily.Gpt2 => new Gpt2ForCausalLM(config, dev),
            ModelFamily.Llama => new LlamaForCausalLM(config, dev),
            _ => throw new NotSupportedException(config.ModelType),
        };
    }

    /// <summary>A freshly initialised model (the same seed gives the same weights).</summary>
    public static CausalLanguageModel CreateInitialized(ModelConfig config, ulong seed, Device? device = null)
    {
        var model = Create(config, device);
        using var generator = new Generator(seed);
        model.InitializeWeights(generator);
        return model;
    }

    /// <summary>Dropout that draws from <see cref="DropoutGenerator"/> and is inactive in eval mode.</summary>
    protected Tensor Dropout(Tensor x, double p) => Functional.Dropout(x, p, IsTraining && p > 0, DropoutGenerator);

    /// <summary>
    /// The keep-mask for padded batches, [B, 1, T, T]: keys that are padding are hidden, except that every query sees
    /// itself, so no softmax row is empty (a padded row's output is ignored by the losses, but must stay finite).
    /// </summary>
    protected static Tensor? PaddingKeepMask(Tensor? attentionMask, long length)
    {
        if (attentionMask is null)
        {
            return null;
        }
        var keys = attentionMask.Ne(0).Unsqueeze(1).Unsqueeze(2);
        var positions = Tensor.Arange(0, length, 1, DType.Int64, attentionMask.Device);
        var self = positions.Unsqueeze(1).Eq(positions.Unsqueeze(0));
        return keys.LogicalOr(self);
    }
}
