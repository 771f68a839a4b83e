namespace Distill.Training.Tokenizers;

/// <summary>
/// Finds added tokens in text, leftmost-longest (the earliest match wins, then the longest at that position), with
/// the tokens' single_word, lstrip and rstrip rules. Words and whitespace are judged per UTF-16 character: a word
/// character is a letter, mark, decimal digit or connector punctuation; whitespace is <see cref="char.IsWhiteSpace(char)"/>.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly Node _root = new();

    /// <param name="tokens">The tokens to find, each with the text to look for (its content, normalized when it is matched on normalized text).</param>
    public AddedTokenMatcher(IEnumerable<(AddedToken Token, string Pattern)> tokens)
    {
        foreach (var (token, pattern) in tokens)
        {
            if (pattern.Length == 0)
            {
                continue;
            }
            var node = _root;
            foreach (var c in pattern)
            {
                node.Children ??= [];
                if (!node.Children.TryGetValue(c, out var child))
                {
                    child = new Node();
                    node.Children[c] = child;
                }
                node = child;
            }
            node.Token ??= token;
            IsEmpty = false;
        }
    }

    public bool IsEmpty { get; } = true;

    /// <summary>Cuts <paramref name="text"/> into plain stretches and added tokens, covering it entirely.</summary>
    public void Split(string text, List<TextSegment> segments)
    {
        if (IsEmpty)
        {
            segments.Add(new TextSegment(0, text.Length, -1));
            return;
        }
        var plainStart = 0;
        var position = 0;
        while (position < text.Length)
        {
            if (!TryMatchAt(text, position, out var token, out var end))
            {
                position++;
                continue;
            }
            if (token.SingleWord && !IsSingleWord(text, position, end))
            {
                position = end;
                continue;
            }
            var start = position;
            if (token.LeftStrip)
            {
                while (start > plainStart && char.IsWhiteSpace(text[start - 1]))
                {
                    start--;
                }
            }
            var stop = end;
            if (token.RightStrip)
            {
                while (stop < text.Length && char.IsWhiteSpace(text[stop]))
                {
                    stop++;
                }
            }
            if (start > plainStart)
            {
                segments.Add(new TextSegment(plainStart, start, -1));
            }
            segments.Add(new TextSegment(start, stop, token.Id));
            plainStart = stop;
            position = stop;
        }
        if (plainStart < text.Length || segments.Count == 0)
        {
            segments.Add(new TextSegment(plainStart, text.Length, -1));
        }
    }

    private bool TryMatchAt(string text, int position, out AddedToken token, out int end)
    {
        token = null!;
        end = -1;
        var node = _root;
        for (var i = position; i < text.Length; i++)
        {
            if (node.Children is null || !node.Children.TryGetValue(text[i], out var child))
            {
                break;
            }
            node = child;
            if (node.Token is not null)
            {
                token = node.Token;
                end = i + 1;
            }
        }
        return end >= 0;
    }

    private static bool IsSingleWord(string text, int start, int end) =>
        (start == 0 || !IsWordCharacter(text[start - 1])) && (end == text.Length || !IsWordCharacter(text[end]));

    private static bool IsWordCharacter(char c) =>
        char.IsLetterOrDigit(c) || char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.NonSpacingMark
            or System.Globalization.UnicodeCategory.SpacingCombiningMark or System.Globalization.UnicodeCategory.EnclosingMark
            or System.Globalization.UnicodeCategory.ConnectorPunctuation;

    private sealed class Node
    {
        public Dictionary<char, Node>? Children { get; set; }

        public AddedToken? Token { get; set; }
    }
}
