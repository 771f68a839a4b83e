namespace Distill.Training.Tokenizers;

/// <summary><c>{"type": "Sequence", "normalizers": [...]}</c>: applies each normalizer in turn.</summary>
internal sealed class SequenceNormalizer(IReadOnlyList<ITokenizerNormalizer> normalizers) : ITokenizerNormalizer
{
    public string Normalize(string text)
    {
        foreach (var normalizer in normalizers)
        {
            text = normalizer.Normalize(text);
        }
        return text;
    }
}
