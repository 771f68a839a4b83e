namespace Distill.Training.Tokenizers;

/// <summary><c>{"type": "Split", "pattern": {...}, "behavior": "Isolated", "invert": false}</c>.</summary>
internal sealed class SplitPreTokenizer(TextPattern pattern, SplitDelimiterBehavior behavior, bool invert) : IPreTokenizer
{
    public void PreTokenize(List<PreToken> input, List<PreToken> output)
    {
        foreach (var piece in input)
        {
            TextSplitter.Split(piece, pattern, behavior, invert, output);
        }
    }
}
