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
        var split = new List<PreToken>();
        foreach (var piece in input)
        {
            var current = piece;
            if (addPrefixSpace && !current.Text.StartsWith(' '))
            {
                current = current with { Text = " " + current.Text };
            }
            split.Clear();
            if (useRegex)
            {
                TextSplitter.Split(current, s_gpt2, SplitDelimiterBehavior.Isolated, invert: false, split);
            }
            else if (current.Text.Length > 0)
            {
                split.Add(current);
            }
            foreach (var part in split)
            {
                output.Add(part with { Text = ByteLevelAlphabet.Encode(part.Text) });
            }
        }
    }
}
