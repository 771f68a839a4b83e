namespace Distill.Training.Tokenizers;

/// <summary>A stretch [Start, End) of text that is either plain text (<see cref="TokenId"/> -1) or one added token.</summary>
internal readonly record struct TextSegment(int Start, int End, int TokenId);
