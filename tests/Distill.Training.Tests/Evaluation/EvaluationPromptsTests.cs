using Distill.Training.Data;
using Distill.Training.Evaluation;
using Distill.Training.Tests.Data;
using Distill.Training.Tokenizers;

namespace Distill.Training.Tests.Evaluation;

public sealed class EvaluationPromptsTests : DatasetTestFolder
{
    [Fact]
    public void FromDataset_BlocksWithADocumentStart_PromptsStartTheDocument()
    {
        var documents = Enumerable.Range(0, 40).Select(i => $"Story {i}: the teacher wrote a long and winding tale for the student.").ToList();
        var trainer = new ByteLevelBpeTrainer(300);
        documents.ForEach(trainer.AddText);
        var tokenizer = trainer.Train().CreateTokenizer();
        var input = WriteJsonLines("stories.jsonl", documents);
        var build = new TokenDatasetBuilder(tokenizer, "trained", new DataOptions { BlockSize = 24, ValidationFraction = 0 })
            .Build([input], Output(), cancellationToken: TestContext.Current.CancellationToken);
        using var dataset = TokenDataset.Open(build.Folder);

        var prompts = EvaluationPrompts.FromDataset(dataset, tokenizer, count: 4, tokens: 3, split: DataSplit.Train);

        Assert.Equal(4, prompts.Count);
        Assert.All(prompts, p => Assert.StartsWith("Story ", p, StringComparison.Ordinal));
        Assert.Equal(prompts.Count, prompts.Distinct().Count());
        Assert.All(prompts, p => Assert.True(tokenizer.Encode(p).Count <= 3, $"'{p}' has more than 3 tokens"));
    }

    [Fact]
    public void FromDataset_MorePromptsThanBlocks_GivesOnePerBlock()
    {
        var trainer = new ByteLevelBpeTrainer(270);
        trainer.AddText("a few words to learn from, a few words");
        var tokenizer = trainer.Train().CreateTokenizer();
        var input = WriteJsonLines("short.jsonl", ["a few words to learn from, a few words"]);
        var build = new TokenDatasetBuilder(tokenizer, "trained", new DataOptions { BlockSize = 8, ValidationFraction = 0 })
            .Build([input], Output(), cancellationToken: TestContext.Current.CancellationToken);
        using var dataset = TokenDataset.Open(build.Folder);

        var prompts = EvaluationPrompts.FromDataset(dataset, tokenizer, count: 50, tokens: 4, split: DataSplit.Train);

        Assert.Equal(dataset.BlockCount(DataSplit.Train), prompts.Count);
    }
}
