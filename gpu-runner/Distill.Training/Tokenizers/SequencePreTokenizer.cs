namespace Distill.Training.Tokenizers;

/// <summary><c>{"type": "Sequence", "pretokenizers": [...]}</c>: each pre-tokenizer splits the pieces of the one before.</summary>
internal sealed class SequencePreTokenizer(IReadOnlyList<IPreTokenizer> preTokenizers) : IPreTokenizer
{
    public void PreTokenize(List<PreToken> input, List<PreToken> output)
    {
        var current = input;
        for (var i = 0; i < preTokenizers.Count; i++)
        {
            var next = i == preTokenizers.Count - 1 ? output : [];
            preTokenizers[i].PreTokenize(current, next);
            current = next;
        }
        if (preTokenizers.Count == 0)
        {
            output.AddRange(input);
        }
    }
}
