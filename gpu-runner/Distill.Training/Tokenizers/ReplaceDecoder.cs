namespace Distill.Training.Tokenizers;

/// <summary><c>{"type": "Replace", "pattern": {"String": "▁"}, "content": " "}</c>: replaces matches in every token.</summary>
internal sealed class ReplaceDecoder(TextPattern pattern, string content) : ITokenDecoder
{
    public List<string> DecodeChain(List<string> tokens) => tokens.ConvertAll(token => pattern.Replace(token, content));
}
