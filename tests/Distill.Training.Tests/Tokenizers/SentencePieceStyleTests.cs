using System.Text.Json.Nodes;
using static Distill.Training.Tests.Tokenizers.TestTokenizers;

namespace Distill.Training.Tests.Tokenizers;

/// <summary>
/// A Llama-2-style tokenizer (▁ for spaces, byte fallback, &lt;unk&gt;, a BOS template) with ids worked out by hand:
/// the text becomes "▁hello▁world", which is one word (no pre-tokenizer) merged rank by rank.
/// </summary>
public sealed class SentencePieceStyleTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Encode_BothSpellings_GiveHandWorkedIds(bool olderSpelling)
    {
        var tokenizer = Load(SentencePiece(olderSpelling));

        // ▁ h e l l o ▁ w o r l d: "▁ h", "l l", "▁h e", "ll o", "▁he llo", "▁ w", "o r", "▁w or", "l d", "▁wor ld".
        Assert.Equal([Piece("▁hello"), Piece("▁world")], tokenizer.Encode("hello world"));
        // Two spaces: the lone ▁ has no merge with ▁ before "w".
        Assert.Equal([Piece("▁hello"), Piece("▁"), Piece("▁world")], tokenizer.Encode("hello  world"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Encode_CharacterOutsideTheVocabulary_FallsBackToItsUtf8Bytes(bool olderSpelling)
    {
        var tokenizer = Load(SentencePiece(olderSpelling));

        // é is C3 A9 in UTF-8; "!" is a piece.
        Assert.Equal([Piece("▁hello"), Piece("▁"), Byte(0xC3), Byte(0xA9), Piece("!")], tokenizer.Encode("hello é!"));
    }

    [Fact]
    public void Encode_WithoutByteFallback_UnknownCharactersBecomeUnk()
    {
        var fused = Load(SentencePiece(olderSpelling: false, byteFallback: false, fuseUnk: true));
        var separate = Load(SentencePiece(olderSpelling: false, byteFallback: false, fuseUnk: false));

        Assert.Equal([Piece("▁h"), 0], fused.Encode("hé€"));
        Assert.Equal([Piece("▁h"), 0, 0], separate.Encode("hé€"));
        Assert.Equal(0, fused.UnkTokenId);
    }

    [Fact]
    public void Decode_ByteTokens_BecomeTextAndTheLeadingSpaceIsDropped()
    {
        var tokenizer = Load(SentencePiece(olderSpelling: false));

        Assert.Equal("hello é!", tokenizer.Decode([Piece("▁hello"), Piece("▁"), Byte(0xC3), Byte(0xA9), Piece("!")]));
        // A lone lead byte is not UTF-8: one U+FFFD per byte.
        Assert.Equal("\uFFFD world", tokenizer.Decode([Byte(0xC3), Piece("▁world")]));
        Assert.Equal("hello world", tokenizer.Decode([1, Piece("▁hello"), Piece("▁world"), 2], skipSpecialTokens: true));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Decode_OfEncode_GivesTheTextBack(bool olderSpelling)
    {
        var tokenizer = Load(SentencePiece(olderSpelling));
        const string Text = "hello wörld, héllo 🙂!";

        Assert.Equal(Text, tokenizer.Decode(tokenizer.Encode(Text)));
    }

    [Fact]
    public void Decode_OlderMetaspaceDecoder_TurnsMetaspaceIntoSpaces()
    {
        var file = SentencePiece(olderSpelling: true);
        file["decoder"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁", ["add_prefix_space"] = true };
        var tokenizer = Load(file);

        Assert.Equal("hello world", tokenizer.Decode([Piece("▁hello"), Piece("▁world")]));
    }

    [Fact]
    public void Encode_AddSpecialTokens_TemplatePutsBosFirst()
    {
        var tokenizer = Load(SentencePiece(olderSpelling: false));

        Assert.Equal([1, Piece("▁hello"), Piece("▁world")], tokenizer.Encode("hello world", addSpecialTokens: true));
        Assert.Equal([Piece("▁hello"), Piece("▁world")], tokenizer.Encode("hello world", addSpecialTokens: false));
        Assert.Equal(1, tokenizer.BosTokenId);
        Assert.Equal(2, tokenizer.EosTokenId);
        Assert.Equal(259 + SentencePiecePieces.Length, tokenizer.VocabSize);
    }

    [Fact]
    public void Encode_LeadingSpace_FollowsEachSpelling()
    {
        // Prepend always adds ▁, so " hello" is "▁▁hello"; Metaspace only prepends when the text does not start with ▁.
        Assert.Equal([Piece("▁"), Piece("▁hello")], Load(SentencePiece(olderSpelling: false)).Encode(" hello"));
        Assert.Equal([Piece("▁hello")], Load(SentencePiece(olderSpelling: true)).Encode(" hello"));
    }

    [Fact]
    public void Encode_PrependSchemeFirst_PrependsOnlyAtTheStartOfTheText()
    {
        var file = SentencePiece(olderSpelling: true);
        file["pre_tokenizer"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁", ["prepend_scheme"] = "first", ["split"] = true };
        var first = Load(file);
        var always = Load(SentencePiece(olderSpelling: true));

        // After the special token <s> the text "hello" is not at the start, so it gets no ▁.
        Assert.Equal([1, Piece("h"), Piece("e"), Piece("llo"), Piece("▁world")], first.Encode("<s>hello world", addSpecialTokens: false));
        Assert.Equal([1, Piece("▁hello"), Piece("▁world")], always.Encode("<s>hello world", addSpecialTokens: false));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Encode_LegacyAndPairMergeSpellings_GiveTheSameIds(bool olderSpelling)
    {
        var pairs = Load(SentencePiece(olderSpelling, legacyMerges: false));
        var legacy = Load(SentencePiece(olderSpelling, legacyMerges: true));

        foreach (var text in new[] { "hello world", "world hello  lld", "héllo wörld!" })
        {
            Assert.Equal(pairs.Encode(text), legacy.Encode(text));
        }
        Assert.Equal(SentencePieceMerges.Length, legacy.MergeCount);
    }
}
