namespace Distill.Training.Tokenizers;

/// <summary>
/// An entry of <c>added_tokens</c>: a token matched in the text before normalization and pre-tokenization.
/// <see cref="LeftStrip"/>/<see cref="RightStrip"/> swallow adjacent whitespace, <see cref="SingleWord"/> matches only
/// between non-word characters, <see cref="Normalized"/> matches on normalized text, <see cref="Special"/> marks
/// control tokens (BOS, EOS, ...).
/// </summary>
public sealed record AddedToken(
    int Id,
    string Content,
    bool Special,
    bool SingleWord = false,
    bool LeftStrip = false,
    bool RightStrip = false,
    bool Normalized = false);
