using Distill.Torch;

namespace Distill.Training.Models;

/// <summary>The tensors of one forward pass; they belong to the caller's <see cref="TensorScope"/>.</summary>
public sealed record ModelOutput
{
    /// <summary>[B, T, V], or null when the forward pass was asked not to compute them.</summary>
    public Tensor? Logits { get; init; }

    /// <summary>The last layer's output after the final norm, [B, T, C]: the head's input.</summary>
    public required Tensor FinalHidden { get; init; }

    /// <summary>
    /// When requested: index 0 is the embedding output, index l (1..L) the output of layer l, all before the final
    /// norm, so teacher and student states are comparable layer by layer.
    /// </summary>
    public IReadOnlyList<Tensor>? HiddenStates { get; init; }

    /// <summary>When requested: layer l's attention probabilities at index l - 1, [B, H, T, T].</summary>
    public IReadOnlyList<Tensor>? Attentions { get; init; }
}
