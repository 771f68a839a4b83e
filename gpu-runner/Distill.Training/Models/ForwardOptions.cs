using Distill.Torch;

namespace Distill.Training.Models;

/// <summary>What a forward pass should return beyond the final hidden state.</summary>
public sealed record ForwardOptions
{
    public static readonly ForwardOptions Default = new();

    /// <summary>Return the embedding output and every layer's output (pre final norm).</summary>
    public bool HiddenStates { get; init; }

    /// <summary>Return every layer's attention probabilities [B, H, T, T] (selects the explicit attention path).</summary>
    public bool Attentions { get; init; }

    /// <summary>Compute the logits over the vocabulary. Chunked losses turn this off and call the head per chunk.</summary>
    public bool Logits { get; init; } = true;

    /// <summary>Padding mask [B, T]: 1 for real tokens, 0 for padding. Padding keys are never attended to.</summary>
    public Tensor? AttentionMask { get; init; }
}
