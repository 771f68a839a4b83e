using Distill.Training.Tokenizers;

namespace Distill.Training.Tests.Tokenizers;

/// <summary>Split behaviours, the byte-level pre-tokenizer and regexes over characters outside the BMP.</summary>
public sealed class PreTokenizerTests
{
    private static List<string> Split(string text, SplitDelimiterBehavior behavior, bool invert = false)
    {
        var output = new List<PreToken>();
        TextSplitter.Split(new PreToken(text, AtStart: true), TextPattern.Literal("-"), behavior, invert, output);
        return output.Select(p => p.Text).ToList();
    }

    [Theory]
    [InlineData(nameof(SplitDelimiterBehavior.Removed), false, new[] { "the", "final", "cut" })]
    [InlineData(nameof(SplitDelimiterBehavior.Isolated), false, new[] { "the", "-", "final", "-", "-", "cut" })]
    [InlineData(nameof(SplitDelimiterBehavior.MergedWithPrevious), false, new[] { "the-", "final-", "-", "cut" })]
    [InlineData(nameof(SplitDelimiterBehavior.MergedWithNext), false, new[] { "the", "-final", "-", "-cut" })]
    [InlineData(nameof(SplitDelimiterBehavior.Contiguous), false, new[] { "the", "-", "final", "--", "cut" })]
    [InlineData(nameof(SplitDelimiterBehavior.Removed), true, new[] { "-", "-", "-" })]
    public void Split_Behavior_CutsAsSpecified(string behavior, bool invert, string[] expected)
    {
        Assert.Equal(expected, Split("the-final--cut", Enum.Parse<SplitDelimiterBehavior>(behavior), invert));
    }

    [Fact]
    public void FindMatches_AstralLetters_CountAsLetters()
    {
        var pattern = TextPattern.FromRegex(@"\p{L}+|\p{N}+", default);
        var matches = new List<(int Start, int End)>();

        pattern.FindMatches("a\U0001D518b \U0001D7D9\U0001D7DA", matches);

        // 𝔘 (U+1D518) is a letter and 𝟙𝟚 are digits, though each is a surrogate pair.
        Assert.Equal([(0, 4), (5, 9)], matches);
    }

    [Theory]
    [InlineData("hello world", new[] { "Ġhello", "Ġworld" })]
    [InlineData(" hello", new[] { "Ġhello" })]
    [InlineData("a\n\n b", new[] { "Ġa", "ĊĊ", "Ġb" })]
    public void PreTokenize_ByteLevelWithPrefixSpace_AddsOneSpaceAndMapsBytes(string text, string[] expected)
    {
        var output = new List<PreToken>();

        new ByteLevelPreTokenizer(addPrefixSpace: true, useRegex: true).PreTokenize([new PreToken(text, AtStart: true)], output);

        Assert.Equal(expected, output.Select(p => p.Text));
    }
}
