using Distill.Torch.Optim;
using Distill.Torch.Serialization;
using Distill.Training.Data;
using Distill.Training.Models;
using Distill.Training.Trainers;

namespace Distill.Training.Tests.Trainers;

/// <summary>Exact resumption: k steps, a stop or a crash, then the rest equals n steps in one go, bit for bit on the CPU.</summary>
public sealed class TrainerResumeTests : TrainerTestFolder
{
    private const int Steps = 5;

    private sealed class SimulatedCrashException : Exception
    {
        public SimulatedCrashException()
            : base("simulated crash")
        {
        }
    }

    /// <summary>Chunks of 24 positions: a chunk boundary falls inside a row. (The chunk size changes the rounding, so every run uses the same.)</summary>
    private static LanguageModelingObjective Objective(CausalLanguageModel model) => new(model, chunkTokens: 24);

    private async Task<(Dictionary<string, byte[]> Weights, TrainingResult Result)> TrainStraight(string family, TokenDataset dataset)
    {
        using var model = NewModel(Config(family));
        var result = await Train(Options(Steps), Store("straight-" + family), Objective(model), dataset);
        Assert.True(result.Completed);
        Assert.Null(result.ResumedFromStep);
        return (ParameterBytes(model), result);
    }

    /// <summary>Resumes into a model initialised differently, so only a correct restore can match.</summary>
    private static async Task<(Dictionary<string, byte[]> Weights, TrainingResult Result)> Resume(string family, LocalCheckpointStore store,
        TokenDataset dataset, TrainerOptions? options = null)
    {
        using var model = NewModel(Config(family), seed: 999);
        var result = await Train(options ?? Options(Steps), store, Objective(model), dataset);
        Assert.True(result.Completed);
        Assert.Equal(Steps, result.Step);
        return (ParameterBytes(model), result);
    }

    [Theory]
    [InlineData("gpt2", 2)]
    [InlineData("gpt2", 3)]
    [InlineData("llama", 3)]
    public async Task RunAsync_CancelledAfterKStepsThenResumed_GivesBitEqualWeights(string family, int k)
    {
        using var dataset = OpenTrainingText();
        var (expected, straight) = await TrainStraight(family, dataset);

        var store = Store();
        using (var model = NewModel(Config(family)))
        using (var cancellation = new CancellationTokenSource())
        {
            var stopped = await Train(Options(Steps), store, Objective(model), dataset,
                p => { if (p.Step == k) { cancellation.Cancel(); } }, cancellation.Token);
            Assert.False(stopped.Completed);
            Assert.Equal(k, stopped.Step);
            Assert.Equal(k, stopped.Checkpoint?.Step);
        }
        var (actual, resumed) = await Resume(family, store, dataset);

        Assert.Equal(k, resumed.ResumedFromStep);
        AssertBitEqual(expected, actual);
        Assert.Equal(straight.Losses, resumed.Losses);
    }

    [Fact]
    public async Task RunAsync_CrashAfterAPeriodicCheckpoint_ResumesFromItWithBitEqualWeights()
    {
        using var dataset = OpenTrainingText();
        var (expected, _) = await TrainStraight("gpt2", dataset);

        var store = Store();
        using (var model = NewModel(Gpt2Config()))
        {
            var crashing = Train(Options(Steps) with { CheckpointEvery = 2 }, store, Objective(model), dataset,
                p => { if (p.Step == 3) { throw new SimulatedCrashException(); } });
            await Assert.ThrowsAsync<SimulatedCrashException>(() => crashing);
        }
        Assert.Equal(2, store.ReadPointer()?.Step);
        // CheckpointEvery does not change the result, so the resumed run may use another value.
        var (actual, resumed) = await Resume("gpt2", store, dataset, Options(Steps) with { CheckpointEvery = 0 });

        Assert.Equal(2, resumed.ResumedFromStep);
        AssertBitEqual(expected, actual);
    }

    [Fact]
    public async Task RunAsync_CrashBetweenFolderAndPointer_LeavesThePreviousCheckpointCurrentAndResumable()
    {
        using var dataset = OpenTrainingText();
        var (expected, _) = await TrainStraight("gpt2", dataset);

        var store = Store();
        var saves = 0;
        store.BeforePointerWrite = _ =>
        {
            if (++saves == 2)
            {
                throw new SimulatedCrashException();
            }
        };
        using (var model = NewModel(Gpt2Config()))
        {
            await Assert.ThrowsAsync<SimulatedCrashException>(() =>
                Train(Options(Steps) with { CheckpointEvery = 2 }, store, Objective(model), dataset));
        }
        store.BeforePointerWrite = null;
        Assert.Equal(2, store.ReadPointer()?.Step);
        var orphan = Assert.Single(Directory.GetDirectories(store.Root, "step-000000004-*"));
        Assert.True(File.Exists(Path.Combine(orphan, TrainerCheckpoint.StateFileName)));

        var (actual, resumed) = await Resume("gpt2", store, dataset);

        Assert.Equal(2, resumed.ResumedFromStep);
        AssertBitEqual(expected, actual);
        Assert.False(Directory.Exists(orphan));
    }

    [Fact]
    public async Task RunAsync_PartialNewerFolderWithoutPointer_IsIgnored()
    {
        using var dataset = OpenTrainingText();
        var store = Store();
        using (var model = NewModel(Gpt2Config()))
        using (var cancellation = new CancellationTokenSource())
        {
            await Train(Options(Steps), store, Objective(model), dataset,
                p => { if (p.Step == 2) { cancellation.Cancel(); } }, cancellation.Token);
        }
        var partial = Directory.CreateDirectory(Path.Combine(store.Root, "step-000000004-deadbeef")).FullName;
        File.WriteAllText(Path.Combine(partial, TrainerCheckpoint.StateFileName), "{\"step\": 4, \"trunc");
        File.WriteAllBytes(Path.Combine(partial, TrainerCheckpoint.WeightsFileName), [1, 2, 3]);

        var (_, resumed) = await Resume("gpt2", store, dataset);

        Assert.Equal(2, resumed.ResumedFromStep);
        Assert.False(Directory.Exists(partial));
    }

    [Fact]
    public async Task RunAsync_ResultChangingOptionsChanged_RefusesNamingEachField()
    {
        using var dataset = OpenTrainingText();
        var store = Store();
        using (var model = NewModel(Gpt2Config()))
        using (var cancellation = new CancellationTokenSource())
        {
            await Train(Options(Steps), store, Objective(model), dataset,
                p => { if (p.Step == 2) { cancellation.Cancel(); } }, cancellation.Token);
        }
        using var resumedModel = NewModel(Gpt2Config());
        var changed = Options(Steps) with { LearningRate = 1e-3, WarmupSteps = 0, CheckpointEvery = 1, KeepCheckpoints = 5, EvaluateEvery = 3 };

        var error = await Assert.ThrowsAsync<CheckpointMismatchException>(() =>
            Train(changed, store, Objective(resumedModel), dataset));

        Assert.Equal(["LearningRate", "MinLearningRate", "WarmupSteps"], error.Fields);
        Assert.Contains("LearningRate was 0.003, now 0.001", error.Message, StringComparison.Ordinal);
        Assert.Contains("WarmupSteps was 2, now 0", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, store.ReadPointer()?.Step);
    }

    [Fact]
    public async Task RunAsync_MoreStepsWithoutAllowStepsChange_RefusesNamingSteps()
    {
        using var dataset = OpenTrainingText();
        var store = Store();
        using (var model = NewModel(Gpt2Config()))
        {
            await Train(Options(3), store, Objective(model), dataset);
        }
        using var resumedModel = NewModel(Gpt2Config());

        var error = await Assert.ThrowsAsync<CheckpointMismatchException>(() => Train(Options(Steps), store, Objective(resumedModel), dataset));

        Assert.Equal(["Steps"], error.Fields);
        Assert.Contains("Steps was 3, now 5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_AllowStepsChange_ExtendsAFinishedTrainingFromItsCheckpoint()
    {
        using var dataset = OpenTrainingText();
        var store = Store();
        TrainingResult first;
        using (var model = NewModel(Gpt2Config()))
        {
            first = await Train(Options(3), store, Objective(model), dataset);
        }
        Assert.True(first.Completed);
        using var resumedModel = NewModel(Gpt2Config(), seed: 999);

        var extended = await Train(Options(Steps) with { AllowStepsChange = true }, store, Objective(resumedModel), dataset);

        Assert.True(extended.Completed);
        Assert.Equal(3, extended.ResumedFromStep);
        Assert.Equal(Steps, extended.Step);
        Assert.Equal(first.Losses, extended.Losses.Take(first.Losses.Count));
        Assert.Equal([4L, 5L], extended.Losses.Skip(first.Losses.Count).Select(p => p.Step));
        Assert.Equal(Steps, store.ReadPointer()?.Step);
        // The schedule follows the new total from the checkpoint's step on.
        var schedule = new CosineSchedule(3e-3, 3e-4, WarmupSteps: 2, DecaySteps: Steps);
        Assert.Equal([schedule.At(3), schedule.At(4)], extended.Losses.Skip(first.Losses.Count).Select(p => p.LearningRate));
    }

    [Fact]
    public async Task RunAsync_CheckpointEveryStep_KeepsTheNewestAndWritesEveryPart()
    {
        using var dataset = OpenTrainingText();
        var store = Store();
        using var model = NewModel(Gpt2Config());
        var saved = new List<long>();

        var result = await Train(Options(4) with { CheckpointEvery = 1, KeepCheckpoints = 2 }, store, Objective(model), dataset,
            p => { if (p.Checkpoint is { } c) { saved.Add(c.Step); } });

        Assert.Equal([1, 2, 3, 4], saved);
        var pointer = store.ReadPointer()!;
        Assert.Equal(4, pointer.Step);
        Assert.Equal(result.Checkpoint?.Name, pointer.Folder);
        var folders = Directory.GetDirectories(store.Root).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, folders.Count);
        Assert.StartsWith("step-000000003-", folders[0], StringComparison.Ordinal);
        Assert.Equal(pointer.Kept.Order(StringComparer.Ordinal), folders);

        var folder = Path.Combine(store.Root, pointer.Folder);
        var state = TrainerCheckpoint.ReadState(folder);
        Assert.Equal(4, state.Step);
        Assert.Equal(4, state.OptimizerStepCount);
        Assert.Equal(new DataCursor(1, 11), state.DataCursor);
        Assert.Equal(LanguageModelingObjective.ObjectiveName, state.Objective);
        Assert.Equal(["student"], state.Modules);
        Assert.Equal(dataset.Index.Key, state.DatasetKey);
        Assert.Equal(state.Options.ResultHash(), state.OptionsHash);
        Assert.NotEmpty(state.Random.Dropout);
        Assert.NotEmpty(state.Random.Cpu);
        Assert.Null(state.Random.Cuda);
        using var weights = SafeTensorsFile.Open(Path.Combine(folder, TrainerCheckpoint.WeightsFileName));
        Assert.Equal(model.StateDict().Keys.Select(k => "student." + k).Order(StringComparer.Ordinal), weights.Entries.Select(e => e.Name).Order(StringComparer.Ordinal));
        using var moments = SafeTensorsFile.Open(Path.Combine(folder, TrainerCheckpoint.OptimizerFileName));
        Assert.Contains(moments.Entries, e => e.Name == "student.transformer.wte.weight.exp_avg_sq");
    }
}
