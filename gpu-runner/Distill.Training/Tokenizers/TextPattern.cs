using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Distill.Training.Tokenizers;

/// <summary>
/// A <c>{"String": ...}</c> or <c>{"Regex": ...}</c> pattern of a tokenizer file. Regexes run on .NET's engine
/// (culture-invariant, compiled). That engine sees UTF-16 code units, so a character outside the Basic Multilingual
/// Plane (a surrogate pair) would not match <c>\p{L}</c> or <c>\p{N}</c>; such characters are stood in for by a BMP
/// character of the same Unicode category while matching, so categories behave as they do on scalar values.
/// </summary>
internal sealed class TextPattern
{
    private const RegexOptions Options = RegexOptions.CultureInvariant | RegexOptions.Compiled;

    private readonly string? _literal;
    private readonly Regex? _regex;

    private TextPattern(string? literal, Regex? regex)
    {
        _literal = literal;
        _regex = regex;
    }

    /// <summary>The text of the pattern, as in the file.</summary>
    public string Source => _literal ?? _regex!.ToString();

    public static TextPattern Literal(string text) => new(text, null);

    /// <summary>A .NET regex for <paramref name="pattern"/>; <paramref name="node"/> names where it came from in errors.</summary>
    public static TextPattern FromRegex(string pattern, TokenizerJsonNode node)
    {
        var possessive = FindPossessiveQuantifier(pattern);
        if (possessive >= 0)
        {
            throw node.Error(
                $"the regex uses a possessive quantifier ('{pattern[possessive - 1]}+' at position {possessive.ToString(CultureInfo.InvariantCulture)}), " +
                "which .NET regular expressions do not support; rewrite it with an atomic group (?>...)");
        }
        try
        {
            return new TextPattern(null, new Regex(pattern, Options));
        }
        catch (ArgumentException exception)
        {
            throw node.Error($"the regex cannot be compiled by .NET: {exception.Message}", exception);
        }
    }

    /// <summary>Reads <c>{"String": "..."}</c> or <c>{"Regex": "..."}</c>.</summary>
    public static TextPattern Read(TokenizerJsonNode node)
    {
        if (node.Optional("String") is { } literal)
        {
            return Literal(literal.GetString());
        }
        if (node.Optional("Regex") is { } regex)
        {
            return FromRegex(regex.GetString(), regex);
        }
        throw node.Error("expected {\"String\": ...} or {\"Regex\": ...}");
    }

    /// <summary>Appends the non-overlapping matches in <paramref name="text"/>, left to right, as [start, end) pairs.</summary>
    public void FindMatches(string text, List<(int Start, int End)> matches)
    {
        if (_literal is not null)
        {
            if (_literal.Length == 0)
            {
                return;
            }
            var at = 0;
            while ((at = text.IndexOf(_literal, at, StringComparison.Ordinal)) >= 0)
            {
                matches.Add((at, at + _literal.Length));
                at += _literal.Length;
            }
            return;
        }
        if (!HasSurrogates(text))
        {
            foreach (var match in _regex!.EnumerateMatches(text))
            {
                matches.Add((match.Index, match.Index + match.Length));
            }
            return;
        }
        var (standIn, positions) = StandInForAstral(text);
        foreach (var match in _regex!.EnumerateMatches(standIn))
        {
            matches.Add((positions[match.Index], positions[match.Index + match.Length]));
        }
    }

    /// <summary><paramref name="text"/> with every match replaced by <paramref name="content"/> (taken literally).</summary>
    public string Replace(string text, string content)
    {
        if (_literal is not null)
        {
            return _literal.Length == 0 ? text : text.Replace(_literal, content, StringComparison.Ordinal);
        }
        var matches = new List<(int Start, int End)>();
        FindMatches(text, matches);
        if (matches.Count == 0)
        {
            return text;
        }
        var builder = new StringBuilder(text.Length);
        var previous = 0;
        foreach (var (start, end) in matches)
        {
            builder.Append(text, previous, start - previous).Append(content);
            previous = end;
        }
        return builder.Append(text, previous, text.Length - previous).ToString();
    }

    private static bool HasSurrogates(string text)
    {
        foreach (var c in text)
        {
            if (char.IsSurrogate(c))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The text with each surrogate pair replaced by one BMP character of the same category, and for each index of
    /// that text (and its end) the index in the original text.
    /// </summary>
    private static (string Text, int[] Positions) StandInForAstral(string text)
    {
        var builder = new StringBuilder(text.Length);
        var positions = new List<int>(text.Length + 1);
        for (var i = 0; i < text.Length; i++)
        {
            positions.Add(i);
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(StandIn(CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(text[i], text[i + 1]))));
                i++;
                continue;
            }
            builder.Append(text[i]);
        }
        positions.Add(text.Length);
        return (builder.ToString(), positions.ToArray());
    }

    /// <summary>A BMP character of each category that no tokenizer pattern is likely to spell out literally.</summary>
    private static char StandIn(UnicodeCategory category) => category switch
    {
        UnicodeCategory.UppercaseLetter => '\u0531',
        UnicodeCategory.LowercaseLetter => '\u0561',
        UnicodeCategory.TitlecaseLetter => '\u01C5',
        UnicodeCategory.ModifierLetter => '\u02B0',
        UnicodeCategory.OtherLetter => '\u05D0',
        UnicodeCategory.NonSpacingMark => '\u0300',
        UnicodeCategory.SpacingCombiningMark => '\u0903',
        UnicodeCategory.EnclosingMark => '\u20DD',
        UnicodeCategory.DecimalDigitNumber => '\u0660',
        UnicodeCategory.LetterNumber => '\u2160',
        UnicodeCategory.OtherNumber => '\u00B2',
        UnicodeCategory.Format => '\u00AD',
        UnicodeCategory.PrivateUse => '\uE000',
        UnicodeCategory.ConnectorPunctuation => '\u203F',
        UnicodeCategory.DashPunctuation => '\u2010',
        UnicodeCategory.OpenPunctuation => '\u2045',
        UnicodeCategory.ClosePunctuation => '\u2046',
        UnicodeCategory.InitialQuotePunctuation => '\u2039',
        UnicodeCategory.FinalQuotePunctuation => '\u203A',
        UnicodeCategory.OtherPunctuation => '\u203B',
        UnicodeCategory.MathSymbol => '\u2200',
        UnicodeCategory.CurrencySymbol => '\u20A0',
        UnicodeCategory.ModifierSymbol => '\u02C2',
        UnicodeCategory.OtherSymbol => '\u2600',
        _ => '\u0378',
    };

    /// <summary>The index of the '+' of a possessive quantifier (<c>x*+</c>, <c>x++</c>, <c>x?+</c>, <c>x{n}+</c>), or -1.</summary>
    private static int FindPossessiveQuantifier(string pattern)
    {
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\')
            {
                i++;
                continue;
            }
            if (inClass)
            {
                inClass = c != ']';
                continue;
            }
            if (c == '[')
            {
                inClass = true;
                if (i + 1 < pattern.Length && pattern[i + 1] == '^')
                {
                    i++;
                }
                if (i + 1 < pattern.Length && pattern[i + 1] == ']')
                {
                    i++;
                }
                continue;
            }
            var isQuantifier = c is '*' or '+' || (c == '?' && i > 0 && pattern[i - 1] != '(') || (c == '}' && ClosesCountedQuantifier(pattern, i));
            if (isQuantifier && i + 1 < pattern.Length && pattern[i + 1] == '+')
            {
                return i + 1;
            }
        }
        return -1;
    }

    private static bool ClosesCountedQuantifier(string pattern, int close)
    {
        var open = pattern.LastIndexOf('{', close);
        if (open < 0)
        {
            return false;
        }
        var body = pattern.AsSpan(open + 1, close - open - 1);
        foreach (var c in body)
        {
            if (!char.IsAsciiDigit(c) && c != ',')
            {
                return false;
            }
        }
        return body.Length > 0;
    }
}
