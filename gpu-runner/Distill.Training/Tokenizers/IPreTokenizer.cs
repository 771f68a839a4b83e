namespace Distill.Training.Tokenizers;

/// <summary>A <c>pre_tokenizer</c> component: splits (and may rewrite) pieces of text into smaller pieces.</summary>
internal interface IPreTokenizer
{
    /// <summary>Appends the pieces <paramref name="input"/> splits into to <paramref name="output"/>, in order.</summary>
    void PreTokenize(List<PreToken> input, List<PreToken> output);
}
