namespace Distill.Training.Tokenizers;

/// <summary>
/// <c>{"type": "ByteLevel", "add_prefix_space": false, "use_regex": true}</c>: optionally puts a space before each
/// piece that does not start with one, optionally splits with GPT-2's pattern, then writes each piece's UTF-8 bytes
/// in the byte-level alphabet.
/// </summary>
internal sealed class ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : IPreTokenizer
{
    /// <summary>GPT-2's pre-tokenization pattern.</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private static readonly TextPattern s_gpt2 = TextPattern.FromRegex(Gpt2Pattern, default);

    public void PreTokenize(List<PreToken> input, List<PreToken> output)
    {
        foreach (var piece in input)
        {
            var text = piece.Text;
            if (addPrefixSpace && !text.StartsWith(' '))
            {
                text = " " + text;
            }
            if (!useRegex)
            {
                if (text.Length > 0)
                {
                    output.Add(new PreToken(ByteLevelAlphabet.Encode(text), piece.AtStart));
                }
                continue;
            }
            foreach (var (start, end) in TextSplitter.SplitSpans(text, s_gpt2, SplitDelimiterBehavior.Isolated, invert: false))
            {
                output.Add(new PreToken(ByteLevelAlphabet.Encode(text.AsSpan(start, end - start)), piece.AtStart && start == 0));
            }
        }
    }
}
