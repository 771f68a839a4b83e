using Distill.Contracts.Models;
using Distill.Torch;
using Distill.Training.Data;
using Distill.Training.Models;
using Distill.Training.Tests.Data;
using Distill.Training.Trainers;

namespace Distill.Training.Tests.Trainers;

/// <summary>Tiny models, datasets and checkpoint stores for trainer tests, in a temporary folder.</summary>
public abstract class TrainerTestFolder : DatasetTestFolder
{
    protected const int BlockSize = 16;
    protected const int VocabSize = 300;

    /// <summary>GPT-2 with hidden 32, 2 layers and dropout 0.1 everywhere (unless told otherwise).</summary>
    protected static ModelConfig Gpt2Config(double dropout = 0.1) => new()
    {
        ModelType = "gpt2",
        VocabSize = VocabSize,
        HiddenSize = 32,
        NumLayers = 2,
        NumHeads = 4,
        NumKeyValueHeads = 4,
        HeadDim = 8,
        IntermediateSize = 128,
        MaxPositions = BlockSize,
        NormEps = 1e-5,
        Activation = "gelu_new",
        TieWordEmbeddings = true,
        QkvBias = true,
        AttentionOutputBias = true,
        MlpBias = true,
        EmbeddingDropout = dropout,
        ResidualDropout = dropout,
        AttentionDropout = dropout,
    };

    /// <summary>Llama with hidden 32, 2 layers, grouped-query attention and attention dropout 0.1.</summary>
    protected static ModelConfig LlamaConfig(double dropout = 0.1) => new()
    {
        ModelType = "llama",
        VocabSize = VocabSize,
        HiddenSize = 32,
        NumLayers = 2,
        NumHeads = 4,
        NumKeyValueHeads = 2,
        HeadDim = 8,
        IntermediateSize = 64,
        MaxPositions = BlockSize,
        NormEps = 1e-6,
        Activation = "silu",
        TieWordEmbeddings = false,
        AttentionDropout = dropout,
    };

    protected static ModelConfig Config(string family, double dropout = 0.1) => family == "llama" ? LlamaConfig(dropout) : Gpt2Config(dropout);

    /// <summary>
    /// One document of 336 characters + end-of-text: 337 tokens, 21 training blocks of 16 (no validation). With batch 4
    /// and accumulation 2 a step takes 8 blocks, so step 3's second micro-batch spans the end of epoch 0.
    /// </summary>
    protected TokenDataset OpenTrainingText()
    {
        var text = string.Concat(Enumerable.Repeat("the quick brown fox jumps over the lazy dog; ", 8))[..336];
        var input = Write("train.txt", text);
        var result = Build([input], Output("dataset"), new DataOptions { BlockSize = BlockSize, ValidationFraction = 0 });
        Assert.Equal(21, result.Index.Train.Blocks);
        return TokenDataset.Open(result.Folder);
    }

    /// <summary>Short repetitive documents with a validation split.</summary>
    protected TokenDataset OpenRepeatedCorpus()
    {
        var sentences = new[] { "abc abc abc abc", "the cat sat on the mat", "abcd abcd abcd", "one two three four", "red green blue red" };
        var documents = Enumerable.Range(0, 40).Select(i => $"{sentences[i % sentences.Length]} {sentences[(i + 1) % sentences.Length]} #{i % 7}");
        var input = WriteJsonLines("corpus.jsonl", documents);
        var result = Build([input], Output("corpus"), new DataOptions { BlockSize = BlockSize, ValidationFraction = 0.2 });
        Assert.True(result.Index.Validation.Blocks > 0);
        return TokenDataset.Open(result.Folder);
    }

    protected LocalCheckpointStore Store(string name = "checkpoints") => new(Path.Combine(Root, name));

    protected static TrainerOptions Options(long steps) => new()
    {
        Steps = steps,
        BatchSize = 4,
        GradientAccumulation = 2,
        LearningRate = 3e-3,
        WarmupSteps = 2,
        CheckpointEvery = 0,
        EvaluationBatches = 0,
        Seed = 7,
    };

    /// <summary>
    /// Trains, calling <paramref name="onProgress"/> synchronously on the training thread; the test's own token stops
    /// training unless another is given.
    /// </summary>
    protected static Task<TrainingResult> Train(TrainerOptions options, ICheckpointStore store, ITrainingObjective objective, TokenDataset dataset,
        Action<TrainingProgress>? onProgress = null, CancellationToken? cancellationToken = null) =>
        new Trainer(options, store).RunAsync(objective, dataset, new SynchronousProgress<TrainingProgress>(onProgress ?? (_ => { })),
            cancellationToken ?? TestContext.Current.CancellationToken);

    /// <summary>Every parameter's raw bytes by name.</summary>
    protected static Dictionary<string, byte[]> ParameterBytes(CausalLanguageModel model) =>
        model.NamedParameters().ToDictionary(p => p.Key, p => p.Value.ToBytes());

    protected static void AssertBitEqual(Dictionary<string, byte[]> expected, Dictionary<string, byte[]> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        var different = expected.Keys.Where(k => !expected[k].AsSpan().SequenceEqual(actual[k])).ToList();
        Assert.True(different.Count == 0, $"parameters that differ: {string.Join(", ", different)}");
    }

    protected static float MaxAbsDifference(CausalLanguageModel a, CausalLanguageModel b)
    {
        var right = b.NamedParameters().ToDictionary(p => p.Key, p => p.Value.ToArray<float>());
        return a.NamedParameters().Max(p => p.Value.ToArray<float>().Zip(right[p.Key], (x, y) => Math.Abs(x - y)).Max());
    }

    protected static CausalLanguageModel NewModel(ModelConfig config, ulong seed = 7) => CausalLanguageModel.CreateInitialized(config, seed, Device.Cpu);
}
