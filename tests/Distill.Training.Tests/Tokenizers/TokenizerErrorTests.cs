using System.Text.Json.Nodes;
using Distill.Training.Tokenizers;
using static Distill.Training.Tests.Tokenizers.TestTokenizers;

namespace Distill.Training.Tests.Tokenizers;

/// <summary>Malformed and unsupported files: every error names the file and the JSON path.</summary>
public sealed class TokenizerErrorTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distill-tokenizer-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static TokenizerFormatException Fails(JsonObject file) =>
        Assert.Throws<TokenizerFormatException>(() => Load(file));

    [Fact]
    public void FromJson_UnsupportedPreTokenizerInSequence_NamesFileAndPath()
    {
        var file = ByteLevelSplit([], [], ignoreMerges: false);
        ((JsonArray)file["pre_tokenizer"]!["pretokenizers"]!)[1] = new JsonObject { ["type"] = "Digits", ["individual_digits"] = true };

        var error = Fails(file);

        Assert.Equal("tokenizer.json: pre_tokenizer.pretokenizers[1]: type 'Digits' is not supported", error.Message);
        Assert.Equal("pre_tokenizer.pretokenizers[1]", error.JsonPath);
    }

    [Theory]
    [InlineData("normalizer", "Lowercase", "tokenizer.json: normalizer: type 'Lowercase' is not supported")]
    [InlineData("decoder", "WordPiece", "tokenizer.json: decoder: type 'WordPiece' is not supported")]
    [InlineData("post_processor", "RobertaProcessing", "tokenizer.json: post_processor: type 'RobertaProcessing' is not supported")]
    public void FromJson_UnsupportedComponent_IsNamed(string component, string type, string expected)
    {
        var file = SentencePiece(olderSpelling: false);
        file[component] = new JsonObject { ["type"] = type };

        Assert.Equal(expected, Fails(file).Message);
    }

    [Fact]
    public void FromJson_UnigramModel_IsRejected()
    {
        var file = SentencePiece(olderSpelling: false);
        file["model"]!["type"] = "Unigram";

        Assert.Equal("tokenizer.json: model.type: model type 'Unigram' is not supported (only BPE)", Fails(file).Message);
    }

    [Fact]
    public void FromJson_MalformedJson_SaysSo()
    {
        var error = Assert.Throws<TokenizerFormatException>(() => BpeTokenizer.FromJson("{\"model\": {", "broken.json"));

        Assert.StartsWith("broken.json: invalid JSON:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromJson_MergeNamingAnUnknownToken_NamesTheMerge()
    {
        var file = SentencePiece(olderSpelling: false);
        ((JsonArray)file["model"]!["merges"]!).Insert(0, new JsonArray("▁", "zz"));

        var error = Fails(file);

        Assert.Equal("tokenizer.json: model.merges[0]: the merge names \"zz\", which is not in model.vocab", error.Message);
    }

    [Fact]
    public void FromJson_LegacyMergeWithThreeParts_IsRejected()
    {
        var file = SentencePiece(olderSpelling: false, legacyMerges: true);
        ((JsonArray)file["model"]!["merges"]!)[2] = "a b c";

        Assert.Contains("model.merges[2]: a merge written as a string must be two tokens", Fails(file).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromJson_TwoTokensWithOneId_IsAnIdCollision()
    {
        var file = SentencePiece(olderSpelling: false);
        file["model"]!["vocab"]!["▁hello"] = 5;

        Assert.Contains("model.vocab: the id 5 is given to both", Fails(file).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromJson_PossessiveQuantifier_IsRejectedWithAClearMessage()
    {
        var file = ByteLevelSplit([], [], ignoreMerges: false);
        file["pre_tokenizer"]!["pretokenizers"]![0]!["pattern"] = new JsonObject { ["Regex"] = @"\p{L}++|\s+" };

        var error = Fails(file);

        Assert.Equal("pre_tokenizer.pretokenizers[0].pattern.Regex", error.JsonPath);
        Assert.Contains("possessive quantifier", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromJson_Dropout_IsRejected()
    {
        var file = SentencePiece(olderSpelling: false);
        file["model"]!["dropout"] = 0.1;

        Assert.Contains("tokenizer.json: model.dropout: BPE dropout is not supported", Fails(file).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_File_NamesThePathInErrors()
    {
        var file = SentencePiece(olderSpelling: false);
        file["normalizer"]!["normalizers"]![1]!["type"] = "Strip";
        var path = Path.Combine(_folder, "tokenizer.json");
        File.WriteAllText(path, file.ToJsonString());

        var error = Assert.Throws<TokenizerFormatException>(() => BpeTokenizer.Load(path));

        Assert.Equal($"{path}: normalizer.normalizers[1]: type 'Strip' is not supported", error.Message);
    }

    [Fact]
    public void Load_Folder_TakesSpecialTokensFromTokenizerConfig()
    {
        File.WriteAllText(Path.Combine(_folder, "tokenizer.json"), SentencePiece(olderSpelling: false).ToJsonString());
        File.WriteAllText(Path.Combine(_folder, "tokenizer_config.json"),
            "{\"bos_token\": {\"content\": \"<s>\"}, \"eos_token\": \"<unk>\", \"pad_token\": \"</s>\"}");

        var tokenizer = BpeTokenizer.Load(_folder);

        Assert.Equal(1, tokenizer.BosTokenId);
        Assert.Equal(0, tokenizer.EosTokenId);
        Assert.Equal(2, tokenizer.PadTokenId);
    }
}
