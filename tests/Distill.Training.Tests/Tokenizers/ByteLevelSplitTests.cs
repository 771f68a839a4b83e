using Distill.Training.Tokenizers;
using static Distill.Training.Tests.Tokenizers.TestTokenizers;

namespace Distill.Training.Tests.Tokenizers;

/// <summary>
/// A Llama-3-style tokenizer: Split with Llama-3's regex (Isolated), then ByteLevel without its own regex. Ids 0..255
/// are the byte characters in code point order ('!' is 0, 'Ġ' is 220), then Ġw 256, or 257, Ġwor 258, ld 259,
/// Ġworld 260, 12 261, 123 262, Ġhello 263 (no merges build it), and &lt;|begin_of_text|&gt; 264.
/// </summary>
public sealed class ByteLevelSplitTests
{
    private static readonly (string, string)[] s_merges = [("Ġ", "w"), ("o", "r"), ("Ġw", "or"), ("l", "d"), ("Ġwor", "ld"), ("1", "2"), ("12", "3")];
    private static readonly string[] s_tokens = ["Ġw", "or", "Ġwor", "ld", "Ġworld", "12", "123", "Ġhello"];

    private const int Space = 220;
    private const int Bos = 264;

    private static BpeTokenizer Create(bool ignoreMerges = true) => Load(ByteLevelSplit(s_merges, s_tokens, ignoreMerges));

    private static int Ascii(char c) => c - '!';

    [Fact]
    public void Encode_DigitRun_SplitsIntoGroupsOfThree()
    {
        // \p{N}{1,3}: "12345" is "123" (merged) and "45" (bytes).
        Assert.Equal([262, Ascii('4'), Ascii('5')], Create().Encode("12345"));
    }

    [Fact]
    public void Encode_IgnoreMerges_EmitsAWordThatIsInTheVocabulary()
    {
        Assert.Equal([263], Create(ignoreMerges: true).Encode(" hello"));
        Assert.Equal([Space, Ascii('h'), Ascii('e'), Ascii('l'), Ascii('l'), Ascii('o')], Create(ignoreMerges: false).Encode(" hello"));
    }

    [Fact]
    public void Encode_AddSpecialTokens_TemplateAddsBos()
    {
        var tokenizer = Create();

        Assert.Equal([Bos, Ascii('h'), Ascii('e'), Ascii('l'), Ascii('l'), Ascii('o'), 260], tokenizer.Encode("hello world", addSpecialTokens: true));
        Assert.Equal(Bos, tokenizer.BosTokenId);
        Assert.Equal(Bos + 1, tokenizer.VocabSize);
    }

    [Fact]
    public void Encode_SpecialTokenInText_IsMatchedOnlyWhenAsked()
    {
        var tokenizer = Create();
        const string Text = "hello<|begin_of_text|> world";

        var matched = tokenizer.Encode(Text, addSpecialTokens: false, matchSpecialTokens: true);
        var plain = tokenizer.Encode(Text);

        Assert.Equal([Ascii('h'), Ascii('e'), Ascii('l'), Ascii('l'), Ascii('o'), Bos, 260], matched);
        Assert.DoesNotContain(Bos, plain);
        Assert.Equal(Text, tokenizer.Decode(plain));
        Assert.Equal("hello world", tokenizer.Decode(matched, skipSpecialTokens: true));
    }

    [Fact]
    public void Encode_ContractionsNewlinesAndSpaces_MatchTheReferenceLibrary()
    {
        var tokenizer = Create();
        const string Text = "Numbers 12345 IT'S fine\n\n  x";

        var ids = tokenizer.Encode(Text);

        // Produced once by the reference tokenizers library (0.23) from the same file.
        Assert.Equal([45, 84, 76, 65, 68, 81, 82, 220, 262, 19, 20, 220, 40, 51, 6, 50, 220, 69, 72, 77, 68, 198, 198, 220, 220, 87], ids);
        Assert.Equal(Text, tokenizer.Decode(ids));
    }
}
