using System.Globalization;
using Distill.Contracts.Models;
using Distill.Training.Models;

namespace Distill.Bench.Training;

/// <summary>
/// A model and batch for the training suite, with its run counts: a GPT-2 (learned positions, LayerNorm, GELU,
/// biases, head tied to the embedding) or a Llama (RMSNorm, rotary positions, SwiGLU, grouped-query attention with
/// <see cref="KeyValueHeads"/> key/value heads, no biases, untied head).
/// </summary>
public sealed record TrainingModel(ModelFamily Family, int Layers, int Hidden, int Heads, int KeyValueHeads, int Intermediate,
    int Context, int Batch, int Vocab, int Warmup, int Repeats)
{
    public const double NormEps = 1e-5;

    public const double RopeTheta = 10000;

    /// <summary>The case name, also the peer's: gpt2 or llama.</summary>
    public string CaseName => Family == ModelFamily.Gpt2 ? "gpt2" : "llama";

    public int HeadDim => Hidden / Heads;

    public int TokensPerStep => Batch * Context;

    /// <summary>A step both sides reach (the least warm-up plus the timed steps): their losses there are compared.</summary>
    public int CheckStep => Warmup + Repeats;

    public string Label => Family == ModelFamily.Gpt2
        ? string.Create(CultureInfo.InvariantCulture, $"GPT-2 L={Layers} C={Hidden} H={Heads} T={Context} B={Batch} V={Vocab}")
        : string.Create(CultureInfo.InvariantCulture, $"Llama L={Layers} C={Hidden} H={Heads} KV={KeyValueHeads} I={Intermediate} T={Context} B={Batch} V={Vocab}");

    /// <summary>The model's config, dropout off.</summary>
    public ModelConfig Config() => Family == ModelFamily.Gpt2
        ? new ModelConfig
        {
            ModelType = "gpt2",
            VocabSize = Vocab,
            HiddenSize = Hidden,
            NumLayers = Layers,
            NumHeads = Heads,
            NumKeyValueHeads = Heads,
            HeadDim = HeadDim,
            IntermediateSize = Intermediate,
            MaxPositions = Context,
            NormEps = NormEps,
            Activation = "gelu_new",
            TieWordEmbeddings = true,
            QkvBias = true,
            AttentionOutputBias = true,
            MlpBias = true,
        }
        : new ModelConfig
        {
            ModelType = "llama",
            VocabSize = Vocab,
            HiddenSize = Hidden,
            NumLayers = Layers,
            NumHeads = Heads,
            NumKeyValueHeads = KeyValueHeads,
            HeadDim = HeadDim,
            IntermediateSize = Intermediate,
            MaxPositions = Context,
            NormEps = NormEps,
            Activation = "silu",
            TieWordEmbeddings = false,
            RopeTheta = RopeTheta,
        };

    /// <summary>
    /// Training FLOPs per token by nanoGPT's estimate_mfu (PaLM, appendix B): 6·N for the products with the weights
    /// (forward and backward) plus 12·L·H·Q·T for attention's two products, H the query heads, Q the head dimension.
    /// </summary>
    /// <param name="matmulParameters">N: the parameters that multiply activations (see <see cref="LookupOnlyParameters"/>).</param>
    public double FlopsPerToken(double matmulParameters) => 6.0 * matmulParameters + 12.0 * Layers * Heads * HeadDim * Context;

    /// <summary>
    /// The parameters that are only looked up, never multiplied: GPT-2's position embeddings, and the token embedding
    /// when the head is not tied to it. N = all parameters minus these, as nanoGPT's get_num_params subtracts wpe and
    /// keeps the tied wte (it is the head).
    /// </summary>
    public static long LookupOnlyParameters(CausalLanguageModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var lookup = model.Config.TieWordEmbeddings ? 0 : model.TokenEmbeddingWeight.NumElements;
        if (model is Gpt2ForCausalLM gpt2)
        {
            lookup += gpt2.Transformer.Wpe.Weight.NumElements;
        }
        return lookup;
    }
}
