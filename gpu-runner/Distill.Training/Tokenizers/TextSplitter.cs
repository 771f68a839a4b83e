namespace Distill.Training.Tokenizers;

/// <summary>Cuts a piece of text at pattern matches the way the tokenizer file's split behaviours say.</summary>
internal static class TextSplitter
{
    /// <summary>Appends the non-empty pieces of <paramref name="piece"/> to <paramref name="output"/>.</summary>
    public static void Split(PreToken piece, TextPattern pattern, SplitDelimiterBehavior behavior, bool invert, List<PreToken> output)
    {
        var text = piece.Text;
        foreach (var (start, end) in SplitSpans(text, pattern, behavior, invert))
        {
            output.Add(new PreToken(start == 0 && end == text.Length ? text : text[start..end], piece.AtStart && start == 0));
        }
    }

    /// <summary>The non-empty pieces of <paramref name="text"/> as [start, end) spans, in order.</summary>
    public static List<(int Start, int End)> SplitSpans(string text, TextPattern pattern, SplitDelimiterBehavior behavior, bool invert)
    {
        var matches = new List<(int Start, int End)>();
        pattern.FindMatches(text, matches);
        if (behavior == SplitDelimiterBehavior.Isolated && !invert && IsCovering(matches, text.Length))
        {
            // The common case (GPT-2's and Llama-3's patterns match everything): the matches are the pieces.
            matches.RemoveAll(static m => m.End == m.Start);
            return matches;
        }
        var spans = new List<(int Start, int End, bool IsMatch)>(matches.Count * 2 + 1);
        var previous = 0;
        foreach (var (start, end) in matches)
        {
            if (start > previous)
            {
                spans.Add((previous, start, invert));
            }
            spans.Add((start, end, !invert));
            previous = end;
        }
        if (previous < text.Length)
        {
            spans.Add((previous, text.Length, invert));
        }
        var pieces = Combine(spans, behavior);
        pieces.RemoveAll(static p => p.End == p.Start);
        return pieces;
    }

    private static bool IsCovering(List<(int Start, int End)> matches, int length)
    {
        var previous = 0;
        foreach (var (start, end) in matches)
        {
            if (start != previous)
            {
                return false;
            }
            previous = end;
        }
        return previous == length;
    }

    private static List<(int Start, int End)> Combine(List<(int Start, int End, bool IsMatch)> spans, SplitDelimiterBehavior behavior)
    {
        var pieces = new List<(int Start, int End)>(spans.Count);
        switch (behavior)
        {
            case SplitDelimiterBehavior.Isolated:
                pieces.AddRange(spans.Select(s => (s.Start, s.End)));
                break;
            case SplitDelimiterBehavior.Removed:
                pieces.AddRange(spans.Where(s => !s.IsMatch).Select(s => (s.Start, s.End)));
                break;
            case SplitDelimiterBehavior.Contiguous:
            {
                var previousMatch = false;
                foreach (var span in spans)
                {
                    if (pieces.Count > 0 && span.IsMatch == previousMatch)
                    {
                        pieces[^1] = (pieces[^1].Start, span.End);
                    }
                    else
                    {
                        pieces.Add((span.Start, span.End));
                    }
                    previousMatch = span.IsMatch;
                }
                break;
            }
            case SplitDelimiterBehavior.MergedWithPrevious:
            {
                var previousMatch = false;
                foreach (var span in spans)
                {
                    if (pieces.Count > 0 && span.IsMatch && !previousMatch)
                    {
                        pieces[^1] = (pieces[^1].Start, span.End);
                    }
                    else
                    {
                        pieces.Add((span.Start, span.End));
                    }
                    previousMatch = span.IsMatch;
                }
                break;
            }
            case SplitDelimiterBehavior.MergedWithNext:
            {
                var previousMatch = false;
                for (var i = spans.Count - 1; i >= 0; i--)
                {
                    var span = spans[i];
                    if (pieces.Count > 0 && span.IsMatch && !previousMatch)
                    {
                        pieces[^1] = (span.Start, pieces[^1].End);
                    }
                    else
                    {
                        pieces.Add((span.Start, span.End));
                    }
                    previousMatch = span.IsMatch;
                }
                pieces.Reverse();
                break;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(behavior), behavior, null);
        }
        return pieces;
    }
}
