using Distill.Torch;

namespace Distill.Training.Distillation;

/// <summary>
/// ATKD's per-token parts [...] of one chunk; each is 0 at positions that do not count. The tensors belong to the
/// caller's <see cref="TensorScope"/>.
/// </summary>
public sealed record AtkdParts
{
    /// <summary>Target-oriented KD: the binary KL on "target vs. everything else" (student-first in the reverse setting).</summary>
    public required Tensor Tkd { get; init; }

    /// <summary>Diversity-oriented KD: the KL between the distributions renormalised over the non-target tokens.</summary>
    public required Tensor Dkd { get; init; }

    /// <summary>The teacher's uncertainty 1 − p(target), without gradient; it splits easy from hard tokens in both settings.</summary>
    public required Tensor Uncertainty { get; init; }
}
