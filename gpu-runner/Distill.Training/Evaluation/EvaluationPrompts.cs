using Distill.Training.Data;
using Distill.Training.Tokenizers;

namespace Distill.Training.Evaluation;

/// <summary>Prompts for sample continuations, taken from the data a model is evaluated on.</summary>
public static class EvaluationPrompts
{
    /// <summary>
    /// Up to <paramref name="count"/> prompts from blocks spread evenly over <paramref name="split"/>: from each block,
    /// <paramref name="tokens"/> tokens starting after its first end-of-text id when one comes early enough (so the
    /// prompt starts a document), else at the block's start; decoded without special tokens and trimmed. Blank prompts
    /// are left out.
    /// </summary>
    public static IReadOnlyList<string> FromDataset(TokenDataset dataset, BpeTokenizer tokenizer, int count, int tokens = 12, DataSplit split = DataSplit.Validation)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(tokens, 1);
        var blocks = dataset.BlockCount(split);
        var take = (int)Math.Min(count, blocks);
        var length = Math.Min(tokens, dataset.BlockSize);
        var eos = dataset.Index.EosTokenId;
        var prompts = new List<string>(take);
        for (var i = 0; i < take; i++)
        {
            var block = dataset.ReadBlock(split, i * blocks / take);
            var ids = block.Tokens.Take(dataset.BlockSize).ToArray().AsSpan();
            var start = 0;
            if (eos is { } eosId && ids[..(dataset.BlockSize - length + 1)].IndexOf(eosId) is var at and >= 0)
            {
                start = Math.Min(at + 1, dataset.BlockSize - length);
            }
            var text = tokenizer.Decode(ids.Slice(start, length).ToArray(), skipSpecialTokens: true).Trim();
            if (text.Length > 0)
            {
                prompts.Add(text);
            }
        }
        return prompts;
    }
}
