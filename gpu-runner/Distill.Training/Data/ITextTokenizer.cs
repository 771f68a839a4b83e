namespace Distill.Training.Data;

/// <summary>What the data pipeline needs from a tokenizer.</summary>
public interface ITextTokenizer
{
    /// <summary>Token ids of <paramref name="text"/>, without special tokens.</summary>
    IReadOnlyList<int> Encode(string text);

    /// <summary>The number of ids the tokenizer can produce (its largest id + 1).</summary>
    int VocabSize { get; }

    /// <summary>The end-of-text id placed between packed documents, if the tokenizer has one.</summary>
    int? EosTokenId { get; }
}
