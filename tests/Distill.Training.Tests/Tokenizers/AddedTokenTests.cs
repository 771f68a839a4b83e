using System.Text.Json.Nodes;
using Distill.Training.Tokenizers;
using static Distill.Training.Tests.Tokenizers.TestTokenizers;

namespace Distill.Training.Tests.Tokenizers;

/// <summary>Added tokens: leftmost-longest matching, lstrip/rstrip, single_word, and special tokens as plain text.</summary>
public sealed class AddedTokenTests
{
    private static BpeTokenizer Create()
    {
        var file = ByteLevelSplit([("Ġ", "w"), ("o", "r")], ["Ġw", "or"], ignoreMerges: false);
        var added = (JsonArray)file["added_tokens"]!;
        added.Add(AddedTokenJson(259, "<mask>", special: false, lstrip: true, rstrip: true));
        added.Add(AddedTokenJson(260, "ony", special: false, singleWord: true));
        added.Add(AddedTokenJson(261, "<mask>x", special: true));
        return Load(file);
    }

    [Fact]
    public void Encode_AddedTokens_HonourStripSingleWordAndLongestMatch()
    {
        var tokenizer = Create();
        const string Text = "Hi <mask>  there Anthony ony <mask>x ony,<mask>";

        var ids = tokenizer.Encode(Text, addSpecialTokens: false, matchSpecialTokens: true);

        // " <mask>  " swallows the spaces around it; "ony" inside "Anthony" is not a single word; "<mask>x" is longer than
        // "<mask>"; "ony," is a single word before punctuation. Same ids as the reference tokenizers library (0.23).
        Assert.Equal([39, 72, 259, 83, 71, 68, 81, 68, 220, 32, 77, 83, 71, 78, 77, 88, 220, 260, 220, 261, 220, 260, 11, 259], ids);
    }

    [Fact]
    public void Encode_SpecialTokensAsPlainText_StillMatchesNonSpecialAddedTokens()
    {
        var tokenizer = Create();

        var ids = tokenizer.Encode("a <mask>x");

        // The special "<mask>x" is plain text now, so the non-special "<mask>" (with lstrip) matches, then "x".
        Assert.Equal([Ascii('a'), 259, Ascii('x')], ids);
        Assert.Equal(261, tokenizer.TokenToId("<mask>x"));
        Assert.Equal("<mask>x", tokenizer.IdToToken(261));
        Assert.Contains(tokenizer.AddedTokens, t => t is { Id: 261, Special: true });
    }

    private static int Ascii(char c) => c - '!';
}
