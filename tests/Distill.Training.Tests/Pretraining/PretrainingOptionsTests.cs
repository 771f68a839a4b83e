using Distill.Contracts.Models;
using Distill.Torch;
using Distill.Training.Pretraining;

namespace Distill.Training.Tests.Pretraining;

public sealed class PretrainingOptionsTests
{
    private static PretrainingOptions Options(ModelFamily family = ModelFamily.Gpt2) => new() { Inputs = ["data.jsonl"], OutputFolder = "out", Family = family };

    [Fact]
    public void CreateConfig_Defaults_AreTheReferenceShapeWithTheBlockAsContext()
    {
        var gpt2 = Options().CreateConfig(4096, bosTokenId: 4095, eosTokenId: 4095);
        var llama = Options(ModelFamily.Llama).CreateConfig(4096);

        Assert.Equal(("gpt2", 4096, 4, 128, 4, 4, 32, 512, 128), (gpt2.ModelType, gpt2.VocabSize, gpt2.NumLayers, gpt2.HiddenSize, gpt2.NumHeads, gpt2.NumKeyValueHeads, gpt2.HeadDim, gpt2.IntermediateSize, gpt2.MaxPositions));
        Assert.Equal([4095], gpt2.EosTokenIds);
        Assert.Equal(4095, gpt2.BosTokenId);
        Assert.Equal((0.0, true), (gpt2.ResidualDropout, gpt2.TieWordEmbeddings));
        Assert.Equal(("llama", 352, 4, "silu"), (llama.ModelType, llama.IntermediateSize, llama.NumKeyValueHeads, llama.Activation));
    }

    [Fact]
    public void CreateConfig_OtherWidth_KeepsTheFamilysMlpRatioAndDerivesTheHeadSize()
    {
        var config = (Options() with { HiddenSize = 64, Heads = 2, Layers = 1, BlockSize = 32 }).CreateConfig(300);

        Assert.Equal((64, 2, 32, 256, 1, 32), (config.HiddenSize, config.NumHeads, config.HeadDim, config.IntermediateSize, config.NumLayers, config.MaxPositions));
    }

    [Fact]
    public void ValidateShape_HeadsNotDividingTheWidth_NamesTheField()
    {
        var error = Assert.Throws<StudentShapeException>(() => (Options() with { HiddenSize = 30 }).ValidateShape());

        Assert.Equal(["heads"], error.Problems.Select(p => p.Field));
    }

    [Fact]
    public void ToTrainerOptions_AllowsExtendingTheStepsAndKeepsOneCheckpoint()
    {
        var trainer = (Options() with { Steps = 200, Device = Device.Cpu, CheckpointEvery = 50 }).ToTrainerOptions();

        Assert.True(trainer.AllowStepsChange);
        Assert.Equal((200L, 50L, 20L, 1), (trainer.Steps, trainer.CheckpointEvery, trainer.EvaluateEvery, trainer.KeepCheckpoints));
    }

    [Fact]
    public void SetupDifferences_OtherShapeAndSeed_NamesEachWithBothValues()
    {
        var earlier = PretrainingSetup.Create(Options(), PretrainingSetup.TrainedTokenizer);
        var now = PretrainingSetup.Create(Options() with { HiddenSize = 64, Seed = 9, Steps = 999 }, PretrainingSetup.TrainedTokenizer);

        Assert.Empty(earlier.Differences(earlier));
        Assert.Equal(
            ["hidden size: 64 (the earlier training: 128)", "intermediate size: 256 (the earlier training: 512)", "seed: 9 (the earlier training: 1)"],
            now.Differences(earlier));
    }
}
