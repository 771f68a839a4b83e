namespace Distill.Training.Tokenizers;

/// <summary>
/// <c>{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always"}</c>: the replacement becomes a space, except
/// in the first token (unless the scheme is "never"), where it is dropped.
/// </summary>
internal sealed class MetaspaceDecoder(string replacement, PrependScheme scheme) : ITokenDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var output = new List<string>(tokens.Count);
        for (var i = 0; i < tokens.Count; i++)
        {
            var dropInFirst = i == 0 && scheme != PrependScheme.Never;
            output.Add(tokens[i].Replace(replacement, dropInFirst ? "" : " ", StringComparison.Ordinal));
        }
        return output;
    }
}
