using Distill.Torch;
using Distill.Training.Evaluation;
using Distill.Training.Tokenizers;

namespace Distill.Training.Tests.Evaluation;

public sealed class TextGeneratorTests
{
    private const int Vocab = 16;

    private static SamplingOptions GreedyTokens(int count) => SamplingOptions.Greedy with { MaxNewTokens = count };

    [Fact]
    public void Generate_Greedy_PicksTheMostLikelyTokenEachStep()
    {
        using var model = RiggedModels.Successor(Vocab);
        var generator = new TextGenerator(model);

        var first = generator.Generate([3], GreedyTokens(6), cancellationToken: TestContext.Current.CancellationToken);
        var second = generator.Generate([3], GreedyTokens(6), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal([4, 5, 6, 7, 8, 9], first.TokenIds);
        Assert.False(first.StoppedAtStopToken);
        Assert.Equal(first.TokenIds, second.TokenIds);
    }

    [Fact]
    public void Generate_GreedyOnARandomModel_FollowsTheArgmaxOfTheFullForwardPass()
    {
        using var model = RiggedModels.Random(Vocab, seed: 31);
        var ids = new List<long> { 2, 9 };

        var result = new TextGenerator(model).Generate([2, 9], GreedyTokens(5), cancellationToken: TestContext.Current.CancellationToken);

        foreach (var token in result.TokenIds)
        {
            var logProbs = Longhand.LogProbabilities(model, [ids.ToArray()])[0][^1];
            Assert.Equal(Array.IndexOf(logProbs, logProbs.Max()), token);
            ids.Add(token);
        }
    }

    [Fact]
    public void Generate_StopToken_EndsGenerationWithoutIt()
    {
        using var model = RiggedModels.Successor(Vocab);

        var result = new TextGenerator(model).Generate([3], GreedyTokens(10), [6, 12], TestContext.Current.CancellationToken);

        Assert.Equal([4, 5], result.TokenIds);
        Assert.True(result.StoppedAtStopToken);
    }

    [Fact]
    public void Generate_PastMaxPositions_KeepsTheLastTokensInTheWindow()
    {
        // Four positions: without cropping the model would refuse the fifth token; cropping to the first four would
        // repeat the same prediction.
        using var model = RiggedModels.Successor(Vocab, maxPositions: 4);

        var result = new TextGenerator(model).Generate([0, 1, 2], GreedyTokens(20), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(Enumerable.Range(3, 20).Select(i => i % Vocab), result.TokenIds);
    }

    [Fact]
    public void Generate_TopK_NeverPicksOutsideTheKMostLikely()
    {
        using var model = RiggedModels.ConstantLogits(Enumerable.Range(0, Vocab).Select(i => i * 0.25f).ToArray());
        var options = SamplingOptions.TopKSampling(3, temperature: 10, seed: 5, maxNewTokens: 120);

        var result = new TextGenerator(model).Generate([0], options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(120, result.TokenIds.Count);
        Assert.Equal([13, 14, 15], result.TokenIds.Distinct().Order());
    }

    [Fact]
    public void Generate_TopP_SamplesOnlyFromTheNucleus()
    {
        // Probabilities 0.5, 0.3, 0.15, 0.05 (the rest ~0): top-p 0.7 keeps the first two.
        var logits = Enumerable.Repeat(-40f, Vocab).ToArray();
        (logits[4], logits[9], logits[1], logits[7]) = ((float)Math.Log(0.5), (float)Math.Log(0.3), (float)Math.Log(0.15), (float)Math.Log(0.05));
        using var model = RiggedModels.ConstantLogits(logits);
        var options = new SamplingOptions { Temperature = 1, TopP = 0.7, Seed = 3, MaxNewTokens = 80 };

        var result = new TextGenerator(model).Generate([0], options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal([4, 9], result.TokenIds.Distinct().Order());
    }

    [Theory]
    [InlineData(0.7, 2)]
    [InlineData(0.81, 3)]
    [InlineData(1e-9, 1)]
    [InlineData(1.0, 4)]
    public void NucleusSize_KeepsTokensUntilTheirSumReachesTopP(double topP, int expected)
    {
        Assert.Equal(expected, TextGenerator.NucleusSize([0.5f, 0.3f, 0.15f, 0.05f], topP));
    }

    [Fact]
    public void Generate_SameSeed_SameSample()
    {
        using var model = RiggedModels.ConstantLogits(Enumerable.Range(0, Vocab).Select(i => (i % 5) * 0.1f).ToArray());
        var generator = new TextGenerator(model);
        var options = new SamplingOptions { Temperature = 1.5, Seed = 42, MaxNewTokens = 40 };

        var first = generator.Generate([1], options, cancellationToken: TestContext.Current.CancellationToken);
        var again = generator.Generate([1], options, cancellationToken: TestContext.Current.CancellationToken);
        var other = generator.Generate([1], options with { Seed = 43 }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(first.TokenIds, again.TokenIds);
        Assert.NotEqual(first.TokenIds, other.TokenIds);
        Assert.True(first.TokenIds.Distinct().Count() > 5);
    }

    [Fact]
    public void Generate_RestoresTheModelsModeAndLeavesNoTensors()
    {
        using var model = RiggedModels.Successor(Vocab);
        model.Train();

        using var scope = TensorScope.Begin();
        new TextGenerator(model).Generate([1], GreedyTokens(3), cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(model.IsTraining);
        Assert.Equal(0, scope.Count);
        Assert.True(TorchRuntime.IsGradEnabled);
    }

    [Fact]
    public void Generate_PromptOutsideTheVocabulary_NamesTheId()
    {
        using var model = RiggedModels.Successor(Vocab);

        var error = Assert.Throws<ArgumentException>(() => new TextGenerator(model).Generate([1, Vocab], GreedyTokens(3), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains($"prompt token id {Vocab} is outside the model's vocabulary of {Vocab}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1, 0, 1)]
    [InlineData(1, -1, 1)]
    [InlineData(1, 0, 0)]
    [InlineData(1, 0, 1.5)]
    public void Validate_OutOfRange_Throws(double temperature, int topK, double topP)
    {
        var options = new SamplingOptions { Temperature = temperature, TopK = topK, TopP = topP };

        Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
    }

    [Theory]
    [InlineData(0, 40, 0.9, "greedy")]
    [InlineData(0.8, 40, 1, "top-k 40, T 0.8, seed 7")]
    [InlineData(1, 0, 0.95, "top-p 0.95, T 1, seed 7")]
    [InlineData(1.2, 0, 1, "sampling, T 1.2, seed 7")]
    public void Describe_NamesTheStrategy(double temperature, int topK, double topP, string expected)
    {
        Assert.Equal(expected, new SamplingOptions { Temperature = temperature, TopK = topK, TopP = topP, Seed = 7 }.Describe());
    }

    [Fact]
    public void GenerateText_DecodesTheContinuationAndStopsAtTheTokenizersEos()
    {
        var tokenizer = TrainTokenizer();
        var eos = tokenizer.EosTokenId!.Value;
        Assert.Equal(tokenizer.VocabSize - 1, eos);
        using var model = RiggedModels.Successor(tokenizer.VocabSize);
        var prompt = "the teacher";
        var promptIds = tokenizer.Encode(prompt, addSpecialTokens: true);
        var expectedIds = Enumerable.Range(promptIds[^1] + 1, eos - promptIds[^1] - 1).ToList();

        var sample = new TextGenerator(model).GenerateText(tokenizer, prompt, GreedyTokens(500), TestContext.Current.CancellationToken);

        Assert.True(sample.StoppedAtEos);
        Assert.Equal(expectedIds.Count, sample.NewTokens);
        Assert.Equal(tokenizer.Decode(expectedIds), sample.Continuation);
        Assert.Equal(prompt, sample.Prompt);
        Assert.Equal("greedy", sample.Strategy);
    }

    [Fact]
    public void GenerateText_EmptyPrompt_StartsFromEos()
    {
        var tokenizer = TrainTokenizer();
        using var model = RiggedModels.Successor(tokenizer.VocabSize);

        var sample = new TextGenerator(model).GenerateText(tokenizer, "", GreedyTokens(3), TestContext.Current.CancellationToken);

        Assert.Equal(tokenizer.Decode([0, 1, 2]), sample.Continuation);
        Assert.False(sample.StoppedAtEos);
    }

    [Fact]
    public void Sample_EveryPromptWithEveryStrategy()
    {
        var tokenizer = TrainTokenizer();
        using var model = RiggedModels.Successor(tokenizer.VocabSize);
        SamplingOptions[] strategies = [GreedyTokens(2), SamplingOptions.TopKSampling(3, 0.8, seed: 1, maxNewTokens: 2)];

        var samples = ModelEvaluator.Sample(new NamedModel("succ", model), tokenizer, ["the", "a teacher"], strategies, TestContext.Current.CancellationToken);

        Assert.Equal("succ", samples.Model);
        Assert.Equal(["the|greedy", "the|top-k 3, T 0.8, seed 1", "a teacher|greedy", "a teacher|top-k 3, T 0.8, seed 1"],
            samples.Samples.Select(s => $"{s.Prompt}|{s.Strategy}"));
        Assert.All(samples.Samples, s => Assert.Equal(2, s.NewTokens));
    }

    private static BpeTokenizer TrainTokenizer()
    {
        var trainer = new ByteLevelBpeTrainer(vocabSize: 280);
        for (var i = 0; i < 10; i++)
        {
            trainer.AddText("the teacher teaches the student; the student learns from the teacher. ");
        }
        return trainer.Train().CreateTokenizer();
    }
}
