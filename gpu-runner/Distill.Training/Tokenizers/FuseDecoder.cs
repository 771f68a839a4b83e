namespace Distill.Training.Tokenizers;

/// <summary><c>{"type": "Fuse"}</c>: joins all tokens into one.</summary>
internal sealed class FuseDecoder : ITokenDecoder
{
    public List<string> DecodeChain(List<string> tokens) => [string.Concat(tokens)];
}
