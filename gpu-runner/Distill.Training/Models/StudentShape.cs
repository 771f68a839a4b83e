namespace Distill.Training.Models;

/// <summary>
/// The shape of a student (a manifest's student section). Every value left null is the teacher's; the rest of the
/// config (family, vocabulary, positions, rope, norm epsilon, dropout, tied head) always is.
/// </summary>
public sealed record StudentShape
{
    /// <summary>Decoder layers (at least 1).</summary>
    public int? Layers { get; init; }

    /// <summary>Model width; the heads must divide it.</summary>
    public int? HiddenSize { get; init; }

    /// <summary>Attention (query) heads.</summary>
    public int? Heads { get; init; }

    /// <summary>Key/value heads; they must divide the heads. GPT-2 has none of its own: they are the heads.</summary>
    public int? KeyValueHeads { get; init; }

    /// <summary>Width of the MLP's hidden layer.</summary>
    public int? IntermediateSize { get; init; }
}
