using Distill.Contracts.Models;
using Distill.Torch.Nn;
using Distill.Torch;

namespace Distill.Training.Models;

/// <summary>
/// A decoder-only language model whose module tree mirrors the Hugging Face class, so every parameter's name is its
/// checkpoint key. Build one with <see cref="Create"/>; load and save through <see cref="ModelCheckpoint"/>.
/// </summary>
public abstract class CausalLanguageModel : Module
{
    private int? _outputVocabSize;

    protected CausalLanguageModel(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
    }

    public ModelConfig Config { get; }

    /// <summary>Where the parameters live (the token embedding's device).</summary>
    public Device Device => TokenEmbeddingWeight.Device;

    /// <summary>
    /// How many token ids the model predicts: the first rows of the head. Defaults to the config's vocab_size (the
    /// embedding rows); whoever loads the tokenizer sets it to the tokenizer's vocabulary size when the embedding is
    /// padded beyond it, so the padding rows get no logits and no softmax over the vocabulary puts mass on them.
    /// It is not part of config.json: set it again after loading.
    /// </summary>
    public int OutputVocabSize
    {
        get => _outputVocabSize ?? Config.VocabSize;
        set
        {
            if (value < 1 || value > Config.VocabSize)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value,
                    $"the output vocabulary must have between 1 and vocab_size ({Config.VocabSize}) ids: a tokenizer with more tokens than the embedding has rows does not fit this model");
            }
            _outputVocabSize = value == Config.VocabSize ? null : value;
        }
    }

    /// <summary>Draws dropout masks; set it (and save its state) for reproducible, resumable training.</summary>
    public Generator? DropoutGenerator { get; set; }

    /// <summary>The token-embedding matrix [V, C].</summary>
    public abstract Tensor TokenEmbeddingWeight { get; }

    /// <summary>
    /// The output head's weight [V, C] (the embedding matrix itself when tied), padding rows included; logits come
    /// from <see cref="Head"/>, which uses only the first <see cref="OutputVocabSize"/> rows.
    /// </summary>
    public abstract Tensor HeadWeight { get; }

    /// <summary>Runs the model on token ids [B, T].</summary>
    public abstract ModelOutput Forward(Tensor ids, ForwardOptions? options = null);

    /// <summary>
    /// Logits [..., <see cref="OutputVocabSize"/>] for final hidden states (any leading shape): the head alone, for
    /// chunked losses.
    /// </summary>
    public Tensor Head(Tensor finalHidden)
    {
        ArgumentNullException.ThrowIfNull(finalHidden);
        var weight = HeadWeight;
        return _outputVocabSize is { } rows
            ? Functional.Linear(finalHidden, weight.Narrow(0, 0, rows))
            : Functional.Linear(finalHidden, weight);
    }

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
