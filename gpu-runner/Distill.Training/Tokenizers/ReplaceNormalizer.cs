namespace Distill.Training.Tokenizers;

/// <summary><c>{"type": "Replace", "pattern": {"String": " "}, "content": "▁"}</c>: replaces every match by the content.</summary>
internal sealed class ReplaceNormalizer(TextPattern pattern, string content) : ITokenizerNormalizer
{
    public string Normalize(string text) => pattern.Replace(text, content);
}
