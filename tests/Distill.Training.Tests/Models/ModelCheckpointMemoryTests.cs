using Distill.Torch;
using Distill.Training.Models;

namespace Distill.Training.Tests.Models;

/// <summary>Loading streams tensors into the parameters and leaves nothing behind, also when it fails.</summary>
[Collection(LiveTensors.Collection)]
public sealed class ModelCheckpointMemoryTests : ModelTestFolder
{
    private string WriteGpt2(string name, Func<Dictionary<string, Tensor>, Dictionary<string, Tensor>>? edit = null)
    {
        using var scope = TensorScope.Begin();
        var spec = new Gpt2Spec();
        var weights = spec.RandomWeights(9);
        return WriteCheckpoint(name, spec.ConfigJson(), edit is null ? weights : edit(weights));
    }

    [Fact]
    public void Load_ThenDispose_HoldsOnlyTheParametersAndLeavesNoLiveTensors()
    {
        var folder = WriteGpt2("gpt2");
        var before = LiveTensors.Settle();

        var model = ModelCheckpoint.Load(folder);
        var parameters = model.NamedParameters().Count();
        var whileLoaded = TorchRuntime.LiveTensorCount;
        model.Dispose();

        Assert.Equal(before + parameters, whileLoaded);
        Assert.Equal(before, TorchRuntime.LiveTensorCount);
    }

    [Fact]
    public void Load_TiedHeadThatDiffers_FailsAndLeavesNoLiveTensors()
    {
        var folder = WriteGpt2("gpt2-bad-head", w => new Dictionary<string, Tensor>(w) { ["lm_head.weight"] = w["transformer.wte.weight"] + 1 });
        var before = LiveTensors.Settle();

        Assert.Throws<ModelCheckpointException>(() => ModelCheckpoint.Load(folder));

        Assert.Equal(before, TorchRuntime.LiveTensorCount);
    }
}
