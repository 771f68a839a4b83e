using System.Text;
using Distill.Training.Tokenizers;

namespace Distill.Training.Tests.Tokenizers;

public sealed class ByteLevelBpeTrainerTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distill-bpe-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>About 200 KB of pseudo-English, the same every time.</summary>
    private static List<string> Corpus()
    {
        string[] words =
        [
            "the", "model", "learns", "from", "a", "teacher", "and", "its", "students", "distill", "knowledge", "into",
            "smaller", "networks", "while", "keeping", "quality", "high", "training", "data", "is", "packed", "tokens",
            "loss", "gradient", "step", "batch", "layer", "attention", "heads", "of", "to", "in", "on", "we", "it's",
            "don't", "café", "naïve", "2024", "3.14", "100", "(see", "below)", "GPU", "CPU", "日本", "🙂",
        ];
        string[] syllables = ["ka", "to", "ri", "mo", "ne", "sa", "lu", "vi", "pe", "do", "gar", "fu", "sch", "ent"];
        var random = new Random(1234);
        var texts = new List<string>();
        for (var t = 0; t < 400; t++)
        {
            var builder = new StringBuilder();
            for (var w = 0; w < 80; w++)
            {
                if (random.Next(2) == 0)
                {
                    builder.Append(words[random.Next(words.Length)]);
                }
                else
                {
                    for (var k = random.Next(1, 4); k > 0; k--)
                    {
                        builder.Append(syllables[random.Next(syllables.Length)]);
                    }
                }
                builder.Append(random.Next(12) switch { 0 => ", ", 1 => ".\n", 2 => "  ", _ => " " });
            }
            texts.Add(builder.ToString());
        }
        return texts;
    }

    private static ByteLevelBpeVocabulary Train(IEnumerable<string> texts, int vocabSize)
    {
        var trainer = new ByteLevelBpeTrainer(vocabSize);
        foreach (var text in texts)
        {
            trainer.AddText(text);
        }
        return trainer.Train();
    }

    [Fact]
    public void Train_TinyCorpus_MergesTheMostFrequentPairFirst()
    {
        // Words: "ab" once, "Ġab" twice, "Ġcd" once. (a, b) is seen 3 times, then (Ġ, ab) twice; nothing else twice.
        var vocabulary = Train(["ab ab ab cd"], vocabSize: 300);

        Assert.Equal([("a", "b"), ("Ġ", "ab")], vocabulary.Merges);
        Assert.Equal(256 + 2 + 1, vocabulary.Tokens.Count);
        Assert.Equal("<|endoftext|>", vocabulary.Tokens[^1]);
    }

    [Fact]
    public void Train_Corpus_ReachesTheRequestedVocabSizeAndRoundTrips()
    {
        var corpus = Corpus();

        var tokenizer = Train(corpus, vocabSize: 600).CreateTokenizer();

        Assert.Equal(600, tokenizer.VocabSize);
        Assert.Equal(599, tokenizer.EosTokenId);
        foreach (var text in corpus.Take(20).Append(Gpt2ParityTests.VariedText))
        {
            Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
        }
        var bytes = Encoding.UTF8.GetByteCount(corpus[0]);
        Assert.True(tokenizer.Encode(corpus[0]).Count < bytes / 3, "the learned merges should compress the training text");
    }

    [Fact]
    public void Train_TextsInAnotherOrder_GiveTheSameFile()
    {
        var corpus = Corpus();

        var first = Train(corpus, vocabSize: 400).ToTokenizerJson();
        var second = Train(Enumerable.Reverse(corpus), vocabSize: 400).ToTokenizerJson();

        Assert.Equal(first, second);
    }

    [Fact]
    public void Save_Folder_LoadsBackThroughTheLoaderWithSpecialTokens()
    {
        var vocabulary = Train(Corpus(), vocabSize: 400);
        vocabulary.Save(_folder);

        var tokenizer = BpeTokenizer.Load(_folder);
        var inMemory = vocabulary.CreateTokenizer();

        Assert.Equal(399, tokenizer.EosTokenId);
        Assert.Equal(399, tokenizer.BosTokenId);
        Assert.Equal(vocabulary.Merges.Count, tokenizer.MergeCount);
        const string Text = "the teacher distills knowledge<|endoftext|>";
        Assert.Equal(inMemory.Encode(Text), tokenizer.Encode(Text));
        Assert.Equal(399, tokenizer.Encode(Text, addSpecialTokens: false, matchSpecialTokens: true)[^1]);
    }
}
