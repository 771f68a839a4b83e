using Distill.Contracts.Models;
using Distill.Training.Models;
using Distill.Training.Tokenizers;

namespace Distill.Training.Tests.Models;

public sealed class PretrainedModelTests : ModelTestFolder
{
    private static ModelConfig Config(int vocabSize) => new()
    {
        ModelType = "gpt2",
        VocabSize = vocabSize,
        HiddenSize = 16,
        NumLayers = 1,
        NumHeads = 2,
        NumKeyValueHeads = 2,
        HeadDim = 8,
        IntermediateSize = 64,
        MaxPositions = 16,
        NormEps = 1e-5,
        Activation = "gelu_new",
        TieWordEmbeddings = true,
        QkvBias = true,
        AttentionOutputBias = true,
        MlpBias = true,
    };

    /// <summary>A model folder with a byte-level tokenizer of <paramref name="tokens"/> ids and an embedding of <paramref name="rows"/>.</summary>
    private string ModelFolder(string name, int tokens, int rows)
    {
        var trainer = new ByteLevelBpeTrainer(tokens);
        for (var i = 0; i < 10; i++)
        {
            trainer.AddText("the student learns from the teacher and the teacher learns too ");
        }
        var tokenizerFolder = Folder(name + "-tokenizer");
        trainer.Train().Save(tokenizerFolder);
        Assert.Equal(tokens, BpeTokenizer.Load(tokenizerFolder).VocabSize);
        using var model = CausalLanguageModel.CreateInitialized(Config(rows), seed: 1);
        ModelCheckpoint.Save(model, Folder(name), tokenizerFolder);
        return Folder(name);
    }

    [Fact]
    public void Load_PaddedEmbedding_PredictsOnlyTheTokenizersIds()
    {
        var folder = ModelFolder("padded", tokens: 270, rows: 320);

        using var loaded = PretrainedModel.Load(folder);

        Assert.Equal(320, loaded.Model.Config.VocabSize);
        Assert.Equal(270, loaded.Model.OutputVocabSize);
        Assert.Equal(270, loaded.Tokenizer.VocabSize);
        Assert.Equal(TokenizerFiles.Identity(folder), loaded.TokenizerId);
        Assert.Equal(Path.GetFullPath(folder), loaded.Folder);
    }

    [Fact]
    public void Load_TokenizerLargerThanTheVocabulary_FailsSayingItDoesNotBelong()
    {
        var folder = ModelFolder("small", tokens: 270, rows: 300);
        var other = ModelFolder("large", tokens: 280, rows: 300);
        File.Copy(Path.Combine(other, "tokenizer.json"), Path.Combine(folder, "tokenizer.json"), overwrite: true);
        using (var smaller = CausalLanguageModel.CreateInitialized(Config(275), seed: 1))
        {
            ModelCheckpoint.Save(smaller, folder);
        }

        var error = Assert.Throws<ModelCheckpointException>(() => PretrainedModel.Load(folder));

        // The folder once, then the file in it: "{folder}: tokenizer.json has …".
        Assert.StartsWith($"{Path.GetFullPath(folder)}: tokenizer.json has 280 tokens but config.json's vocab_size is 275", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NoTokenizer_FailsNamingTheMissingFile()
    {
        var folder = ModelFolder("bare", tokens: 270, rows: 270);
        File.Delete(Path.Combine(folder, "tokenizer.json"));

        var error = Assert.Throws<TokenizerFormatException>(() => PretrainedModel.Load(folder));

        Assert.Contains(Path.Combine(Path.GetFullPath(folder), "tokenizer.json"), error.Message, StringComparison.Ordinal);
    }
}
