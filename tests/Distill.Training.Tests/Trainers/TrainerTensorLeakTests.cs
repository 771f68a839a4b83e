using Distill.Torch;
using Distill.Training.Trainers;

namespace Distill.Training.Tests.Trainers;

/// <summary>Runs alone (see <see cref="LiveTensors"/>).</summary>
[Collection(LiveTensors.Collection)]
public sealed class TrainerTensorLeakTests : TrainerTestFolder
{
    [Fact]
    public async Task RunAsync_StepsWithEvaluationsAndCheckpoints_KeepTheLiveTensorCountFlat()
    {
        using var dataset = OpenRepeatedCorpus();
        using var model = NewModel(Gpt2Config());
        var options = Options(8) with { CheckpointEvery = 2, EvaluateEvery = 3, EvaluationBatches = 2 };
        var counts = new List<long>();
        var before = LiveTensors.Settle();

        await Train(options, Store(), new LanguageModelingObjective(model, chunkTokens: 20), dataset, _ => counts.Add(TorchRuntime.LiveTensorCount));

        Assert.Equal(8, counts.Count);
        Assert.All(counts, c => Assert.Equal(counts[0], c));
        Assert.Equal(before, TorchRuntime.LiveTensorCount);
    }
}
