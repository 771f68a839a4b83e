namespace Distill.Training.Tokenizers;

/// <summary><c>{"type": "Sequence", "decoders": [...]}</c>: each decoder works on the output of the one before.</summary>
internal sealed class SequenceDecoder(IReadOnlyList<ITokenDecoder> decoders) : ITokenDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        foreach (var decoder in decoders)
        {
            tokens = decoder.DecodeChain(tokens);
        }
        return tokens;
    }
}
