namespace Distill.Contracts.Methods;

/// <summary>
/// A student layer matched with a teacher layer, both 1-based block numbers: layer l's output is
/// <c>ModelOutput.HiddenStates[l]</c> and its attention <c>ModelOutput.Attentions[l − 1]</c>. Layer 0 (the embeddings)
/// is never matched.
/// </summary>
public sealed record LayerPair(int Student, int Teacher)
{
    public override string ToString() => $"{Student}→{Teacher}";
}
