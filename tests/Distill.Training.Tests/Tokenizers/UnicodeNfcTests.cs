using System.Text.Json.Nodes;
using Distill.Training.Tokenizers;

namespace Distill.Training.Tests.Tokenizers;

public sealed class UnicodeNfcTests
{
    [Theory]
    [InlineData("plain ascii", "plain ascii")]
    [InlineData("e\u0301", "\u00E9")]
    [InlineData("\u1100\u1161\u11A8", "\uAC01")]
    // Lines of Unicode's NormalizationTest.txt: canonical ordering, then composition with a blocked mark.
    [InlineData("a\u0323\u0302", "\u1EAD")]
    [InlineData("\u1E0B\u0323", "\u1E0D\u0307")]
    [InlineData("q\u0307\u0323", "q\u0323\u0307")]
    // A composition exclusion and a singleton stay decomposed.
    [InlineData("\u0958", "\u0915\u093C")]
    [InlineData("\u212B", "\u00C5")]
    [InlineData("\U0001D15E", "\U0001D157\U0001D165")]
    public void Normalize_Text_GivesFormC(string text, string expected)
    {
        Assert.Equal(expected, UnicodeNfc.Normalize(text));
    }

    [Fact]
    public void Encode_NfcNormalizer_MakesDecomposedAndComposedTextEqual()
    {
        var file = TestTokenizers.ByteLevelSplit([], [], ignoreMerges: false);
        file["normalizer"] = new JsonObject { ["type"] = "NFC" };
        var tokenizer = TestTokenizers.Load(file);

        Assert.Equal(tokenizer.Encode("caf\u00E9"), tokenizer.Encode("cafe\u0301"));
        Assert.NotEqual(tokenizer.Encode("cafe"), tokenizer.Encode("cafe\u0301"));
    }
}
