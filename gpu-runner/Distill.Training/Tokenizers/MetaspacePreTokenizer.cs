namespace Distill.Training.Tokenizers;

/// <summary>
/// <c>{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true}</c> (older files:
/// <c>"add_prefix_space": true</c>): spaces become the replacement, which is prepended per the scheme, and the text is
/// split before each replacement.
/// </summary>
internal sealed class MetaspacePreTokenizer(string replacement, PrependScheme scheme, bool split) : IPreTokenizer
{
    private readonly TextPattern _delimiter = TextPattern.Literal(replacement);

    public void PreTokenize(List<PreToken> input, List<PreToken> output)
    {
        foreach (var piece in input)
        {
            var text = piece.Text.Replace(" ", replacement, StringComparison.Ordinal);
            var prepend = scheme switch
            {
                PrependScheme.Always => true,
                PrependScheme.First => piece.AtStart,
                _ => false,
            };
            if (prepend && !text.StartsWith(replacement, StringComparison.Ordinal))
            {
                text = replacement + text;
            }
            var rewritten = piece with { Text = text };
            if (split)
            {
                TextSplitter.Split(rewritten, _delimiter, SplitDelimiterBehavior.MergedWithNext, invert: false, output);
            }
            else if (text.Length > 0)
            {
                output.Add(rewritten);
            }
        }
    }
}
