using Distill.Training.Tokenizers;

namespace Distill.Training.Tests.Tokenizers;

public sealed class TokenizerFilesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("distill-tokenizer-files-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string SaveTrained(string name, string text, int vocabSize = 280)
    {
        var trainer = new ByteLevelBpeTrainer(vocabSize);
        for (var i = 0; i < 10; i++)
        {
            trainer.AddText(text);
        }
        var folder = Path.Combine(_root, name);
        trainer.Train().Save(folder);
        return folder;
    }

    [Fact]
    public void CopyTo_FileUnderAnotherName_CopiesItAsTokenizerJsonWithItsHintFiles()
    {
        var source = SaveTrained("source", "the student learns from the teacher ");
        var renamed = Path.Combine(source, "my-tokenizer.json");
        File.Move(Path.Combine(source, "tokenizer.json"), renamed);
        var target = Path.Combine(_root, "target");

        var written = TokenizerFiles.CopyTo(renamed, target);

        Assert.Equal(["tokenizer.json", "tokenizer_config.json"], written.Select(Path.GetFileName));
        Assert.Equal(File.ReadAllBytes(renamed), File.ReadAllBytes(Path.Combine(target, "tokenizer.json")));
        var copy = BpeTokenizer.Load(target);
        Assert.NotNull(copy.EosTokenId);
        Assert.Equal(BpeTokenizer.Load(renamed).EosTokenId, copy.EosTokenId);
    }

    [Fact]
    public void Identity_FolderAndFile_AreTheSameAndChangeWithTheContents()
    {
        var first = SaveTrained("first", "the student learns from the teacher ");
        var second = SaveTrained("second", "zebra quartz fjord glyph ");

        Assert.StartsWith("sha256:", TokenizerFiles.Identity(first), StringComparison.Ordinal);
        Assert.Equal(TokenizerFiles.Identity(first), TokenizerFiles.Identity(Path.Combine(first, "tokenizer.json")));
        Assert.NotEqual(TokenizerFiles.Identity(first), TokenizerFiles.Identity(second));
    }

    [Fact]
    public void VocabularyComparison_SameAndDifferentVocabularies_NamesTheFirstDifference()
    {
        var first = BpeTokenizer.Load(SaveTrained("first", "the student learns from the teacher ", vocabSize: 262));
        var again = BpeTokenizer.Load(SaveTrained("again", "the student learns from the teacher ", vocabSize: 262));
        var other = BpeTokenizer.Load(SaveTrained("other", "zebra quartz fjord glyph zebra ", vocabSize: 262));
        Assert.Equal(first.VocabSize, other.VocabSize);

        Assert.Null(VocabularyComparison.Describe(first, again));
        var difference = VocabularyComparison.Describe(first, other);
        Assert.NotNull(difference);
        Assert.Contains(first.Source, difference, StringComparison.Ordinal);
        Assert.Contains(other.Source, difference, StringComparison.Ordinal);
        var id = Enumerable.Range(0, first.VocabSize).First(i => first.IdToToken(i) != other.IdToToken(i));
        Assert.StartsWith($"token {id} is '{first.IdToToken(id)}' in ", difference, StringComparison.Ordinal);
    }

    [Fact]
    public void VocabularyComparison_DifferentSizes_SaysBothSizes()
    {
        var small = BpeTokenizer.Load(SaveTrained("small", "the student learns from the teacher ", vocabSize: 270));
        var large = BpeTokenizer.Load(SaveTrained("large", "the student learns from the teacher ", vocabSize: 280));

        Assert.Equal($"{small.Source} has {small.VocabSize} tokens but {large.Source} has {large.VocabSize}", VocabularyComparison.Describe(small, large));
    }
}
