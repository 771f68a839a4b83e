namespace Distill.Training.Tokenizers;

/// <summary>What a split does with the matched delimiters (the <c>behavior</c> of a <c>Split</c> pre-tokenizer).</summary>
internal enum SplitDelimiterBehavior
{
    /// <summary>Matches are dropped.</summary>
    Removed,

    /// <summary>Every match is a piece of its own, and so is every gap between matches.</summary>
    Isolated,

    /// <summary>A match joins the piece before it.</summary>
    MergedWithPrevious,

    /// <summary>A match joins the piece after it.</summary>
    MergedWithNext,

    /// <summary>Consecutive matches form one piece.</summary>
    Contiguous,
}
