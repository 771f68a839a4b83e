namespace Distill.Training.Tokenizers;

/// <summary>A <c>normalizer</c> component: rewrites a stretch of text before it is split into words.</summary>
internal interface ITokenizerNormalizer
{
    string Normalize(string text);
}
