namespace Distill.Training.Tokenizers;

/// <summary><c>{"type": "Prepend", "prepend": "▁"}</c>: puts a prefix before any non-empty text.</summary>
internal sealed class PrependNormalizer(string prefix) : ITokenizerNormalizer
{
    public string Normalize(string text) => text.Length == 0 ? text : prefix + text;
}
