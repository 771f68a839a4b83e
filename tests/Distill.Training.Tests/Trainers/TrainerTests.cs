using Distill.Torch;
using Distill.Torch.Optim;
using Distill.Training.Data;
using Distill.Training.Models;
using Distill.Training.Trainers;

namespace Distill.Training.Tests.Trainers;

public sealed class TrainerTests : TrainerTestFolder
{
    [Fact]
    public async Task RunAsync_TinyRepeatedCorpus_LossAndValidationLossFall()
    {
        using var dataset = OpenRepeatedCorpus();
        using var model = NewModel(Gpt2Config(dropout: 0));
        var validation = new List<double>();
        var options = Options(40) with { GradientAccumulation = 1, LearningRate = 1e-2, EvaluateEvery = 20, EvaluationBatches = 2 };

        var result = await Train(options, Store(), new LanguageModelingObjective(model), dataset,
            p => { if (p.ValidationLoss is { } v) { validation.Add(v); } });

        Assert.Equal(40, result.Losses.Count);
        var first = result.Losses.Take(3).Average(p => p.Loss);
        var last = result.Losses.TakeLast(3).Average(p => p.Loss);
        Assert.True(last < first * 0.6, $"the loss went from {first:F3} to {last:F3}");
        Assert.True(first > Math.Log(VocabSize) - 0.5, $"an untrained model's loss {first:F3} should be near ln({VocabSize})");
        Assert.Equal(2, validation.Count);
        Assert.True(validation[1] < validation[0] && validation[0] < first, $"validation losses {string.Join(", ", validation)} after a first loss of {first:F3}");
        Assert.Equal(validation[1], result.ValidationLoss);
        Assert.True(result.TokensPerSecond > 0);
    }

    [Fact]
    public async Task RunAsync_LearningRates_FollowTheCosineScheduleWithWarmup()
    {
        using var dataset = OpenTrainingText();
        using var model = NewModel(Gpt2Config());
        var options = Options(10) with { WarmupSteps = 3, LearningRate = 1e-3, MinLearningRate = 2e-4 };
        var reported = new List<(long Step, double LearningRate)>();

        var result = await Train(options, Store(), new LanguageModelingObjective(model), dataset, p => reported.Add((p.Step, p.LearningRate)));

        var schedule = new CosineSchedule(1e-3, 2e-4, WarmupSteps: 3, DecaySteps: 10);
        Assert.Equal(Enumerable.Range(1, 10).Select(s => ((long)s, schedule.At(s - 1))), reported);
        Assert.Equal(reported.Select(r => r.LearningRate), result.Losses.Select(p => p.LearningRate));
        Assert.Equal(1e-3 / 4, reported[0].LearningRate);
        Assert.True(reported.Skip(3).Zip(reported.Skip(4), (a, b) => b.LearningRate < a.LearningRate).All(x => x), "the rate decays after the warmup");
        Assert.InRange(reported[^1].LearningRate, 2e-4, 3e-4);
    }

    [Fact]
    public async Task RunAsync_GradientNormAboveTheLimit_ReportsItBeforeClippingAndUpdatesWithTheClippedGradient()
    {
        using var dataset = OpenTrainingText();
        using var model = NewModel(Gpt2Config());
        using var objective = new KnownGradientObjective(model);
        // β1 = β2 = 0 and ε = 1 make AdamW's update lr·g/(|g| + 1): it shows the gradient's scale.
        var options = Options(1) with { GradientAccumulation = 1, LearningRate = 0.1, WarmupSteps = 0, Beta1 = 0, Beta2 = 0, Eps = 1, MaxGradNorm = 1 };
        var reports = new List<TrainingProgress>();

        await Train(options, Store(), objective, dataset, reports.Add);

        var report = Assert.Single(reports);
        Assert.Equal(5.0, report.GradNorm, 1e-6);
        Assert.Equal(report.Loss, Assert.Contains("probe", report.Components));
        var bias = objective.Bias.ToArray<float>();
        var coefficient = 1.0 / (5.0 + 1e-6);
        for (var i = 0; i < bias.Length; i++)
        {
            var clipped = KnownGradientObjective.Gradient[i] * coefficient;
            Assert.Equal(-0.1 * clipped / (Math.Abs(clipped) + 1), bias[i], 1e-6);
        }
        Assert.True(Math.Abs(bias[0] - (-0.1 * 3 / 4.0)) > 1e-3, "the unclipped gradient would give -0.075");
    }

    [Fact]
    public async Task RunAsync_ClippingOff_ReportsTheNormAndLeavesTheGradient()
    {
        using var dataset = OpenTrainingText();
        using var model = NewModel(Gpt2Config());
        using var objective = new KnownGradientObjective(model);
        var options = Options(1) with { GradientAccumulation = 1, LearningRate = 0.1, WarmupSteps = 0, Beta1 = 0, Beta2 = 0, Eps = 1, MaxGradNorm = 0 };
        var norms = new List<double>();

        await Train(options, Store(), objective, dataset, p => norms.Add(p.GradNorm));

        Assert.Equal(5.0, Assert.Single(norms), 1e-6);
        Assert.Equal(-0.1 * 3 / 4.0, objective.Bias.ToArray<float>()[0], 1e-6);
    }

    [Fact]
    public async Task RunAsync_EachMicroBatchTakingOneSecond_ReportsTokensPerSecondAndEta()
    {
        using var dataset = OpenTrainingText();
        using var model = NewModel(Gpt2Config());
        var clock = new ManualClock();
        var objective = new ClockedObjective(new LanguageModelingObjective(model), clock, TimeSpan.FromSeconds(1));
        var reports = new List<TrainingProgress>();

        var result = await new Trainer(Options(4), Store(), clock)
            .RunAsync(objective, dataset, new SynchronousProgress<TrainingProgress>(reports.Add), TestContext.Current.CancellationToken);

        // A step is 2 micro-batches of 4 × 16 input tokens, 2 s: 64 tokens/s; the ETA is the remaining steps × 2 s.
        Assert.All(reports, p => Assert.Equal(64, p.TokensPerSecond, 1e-9));
        Assert.Equal([6, 4, 2, 0], reports.Select(p => p.Eta.TotalSeconds));
        Assert.Equal([2, 4, 6, 8], reports.Select(p => p.Elapsed.TotalSeconds));
        Assert.Equal(TimeSpan.FromSeconds(8), result.Elapsed);
        Assert.Equal(64, result.TokensPerSecond, 1e-9);
    }

    [Fact]
    public async Task RunAsync_AccumulatingTwoBatchesOfFour_EqualsOneBatchOfEight()
    {
        // The sampler's block order depends on the seed and the epoch only, so two batches of 4 hold exactly the
        // blocks of one batch of 8; without dropout the two runs see the same data and the same computation.
        using var dataset = OpenTrainingText();
        using var accumulated = NewModel(Gpt2Config(dropout: 0));
        using var whole = NewModel(Gpt2Config(dropout: 0));
        var losses = new List<double>[] { [], [] };

        await Train(Options(3) with { BatchSize = 4, GradientAccumulation = 2 }, Store("a"), new LanguageModelingObjective(accumulated), dataset, p => losses[0].Add(p.Loss));
        await Train(Options(3) with { BatchSize = 8, GradientAccumulation = 1 }, Store("b"), new LanguageModelingObjective(whole), dataset, p => losses[1].Add(p.Loss));

        Assert.True(MaxAbsDifference(accumulated, whole) < 1e-5, $"max difference {MaxAbsDifference(accumulated, whole)}");
        Assert.Equal(losses[1], losses[0], (x, y) => Math.Abs(x - y) < 1e-5);
        using var fresh = NewModel(Gpt2Config(dropout: 0));
        Assert.True(MaxAbsDifference(fresh, whole) > 1e-3, "the runs must have trained");
    }

    [Fact]
    public async Task RunAsync_SameSeedTwice_GivesBitEqualWeightsAndAnotherSeedDoesNot()
    {
        using var dataset = OpenTrainingText();
        var weights = new List<Dictionary<string, byte[]>>();
        foreach (var (seed, store) in new[] { (7UL, "a"), (7UL, "b"), (8UL, "c") })
        {
            using var model = NewModel(Gpt2Config());
            await Train(Options(3) with { Seed = seed }, Store(store), new LanguageModelingObjective(model), dataset);
            weights.Add(ParameterBytes(model));
        }

        AssertBitEqual(weights[0], weights[1]);
        Assert.Contains(weights[0].Keys, k => !weights[0][k].AsSpan().SequenceEqual(weights[2][k]));
    }

    [Fact]
    public void Constructor_InvalidOptions_NamesEveryBadField()
    {
        var options = new TrainerOptions { Steps = 0, BatchSize = 0, Beta2 = 1, MinLearningRate = 1, KeepCheckpoints = 0 };

        var error = Assert.Throws<TrainerOptionsException>(() => new Trainer(options, Store()));

        Assert.Equal(5, error.Problems.Count);
        foreach (var field in new[] { "Steps", "BatchSize", "Beta2", "MinLearningRate", "KeepCheckpoints" })
        {
            Assert.Contains(error.Problems, p => p.StartsWith(field + " is ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task RunAsync_ModelOnAnotherDtype_RefusesNamingTheParameter()
    {
        using var dataset = OpenTrainingText();
        using var model = NewModel(Gpt2Config());
        model.To(Device.Cpu, DType.BFloat16);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => Train(Options(1), Store(), new LanguageModelingObjective(model), dataset));

        Assert.Contains("'student.transformer.wte.weight' is BFloat16", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Another objective whose every micro-batch takes a fixed time on a manual clock.</summary>
    private sealed class ClockedObjective(ITrainingObjective inner, ManualClock clock, TimeSpan perMicroBatch) : ITrainingObjective
    {
        public string Name => inner.Name;

        public CausalLanguageModel Student => inner.Student;

        public IReadOnlyList<TrainableModule> TrainableModules => inner.TrainableModules;

        public ObjectiveOutput ForwardBackward(TokenBatch batch, MicroBatchContext context)
        {
            clock.Advance(perMicroBatch);
            return inner.ForwardBackward(batch, context);
        }
    }

    /// <summary>A loss whose gradient is known: Σ bias·g over the final norm's bias, with ‖g‖ = 5.</summary>
    private sealed class KnownGradientObjective : ITrainingObjective, IDisposable
    {
        public static readonly float[] Gradient = [.. new float[] { 3, 4 }, .. new float[30]];
        private readonly Tensor _gradient = Tensor.FromArray(Gradient).DetachFromScope();

        public KnownGradientObjective(CausalLanguageModel model)
        {
            Student = model;
            TrainableModules = [new TrainableModule("student", model)];
            Bias = model.NamedParameters().Single(p => p.Key == "transformer.ln_f.bias").Value;
        }

        public string Name => "known-gradient";

        public CausalLanguageModel Student { get; }

        public IReadOnlyList<TrainableModule> TrainableModules { get; }

        public Tensor Bias { get; }

        public ObjectiveOutput ForwardBackward(TokenBatch batch, MicroBatchContext context)
        {
            var loss = (Bias * _gradient).Sum();
            (loss * context.LossScale).Backward();
            return new ObjectiveOutput { Loss = loss.Detach(), Components = new Dictionary<string, Tensor> { ["probe"] = loss.Detach() } };
        }

        public void Dispose() => _gradient.Dispose();
    }
}
