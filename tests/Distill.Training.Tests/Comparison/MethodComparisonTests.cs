using Distill.Contracts.Methods;
using Distill.Training.Comparison;
using Distill.Training.Data;
using Distill.Training.Evaluation;
using Distill.Training.Tests.Trainers;
using Distill.Training.Trainers;

namespace Distill.Training.Tests.Comparison;

/// <summary>Tiny comparisons end to end: a 2-layer, 32-wide teacher, 1-layer 16-wide students, a few steps per run.</summary>
public sealed class MethodComparisonTests(ComparisonTeacherFixture teacher) : IClassFixture<ComparisonTeacherFixture>, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("distill-compare-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private ComparisonOptions Options(IReadOnlyList<MethodOptions> methods, params ulong[] seeds) => new()
    {
        TeacherFolder = teacher.Folder,
        Inputs = [teacher.Corpus],
        Data = new DataOptions { ValidationFraction = 0.15 },
        Methods = methods,
        Seeds = seeds,
        Trainer = new TrainerOptions
        {
            Steps = 4,
            BatchSize = 4,
            LearningRate = 5e-3,
            WarmupSteps = 1,
            CheckpointEvery = 0,
            EvaluationBatches = 0,
        },
        Evaluation = new EvaluationOptions { BatchSize = 8 },
        CacheRoot = Path.Combine(_root, "cache"),
        WorkFolder = Path.Combine(_root, "work"),
    };

    private static MethodOptions[] Methods(params string[] names) => [.. names.Select(n => new MethodOptions { Name = n })];

    private static Task<ComparisonReport> Run(ComparisonOptions options, IProgress<ComparisonProgress>? progress = null) =>
        new MethodComparison(options).RunAsync(progress, TestContext.Current.CancellationToken);

    [Fact]
    public async Task RunAsync_TwoMethodsTwoSeeds_OneRunEachAndSummariesAreTheirMeanAndSampleStd()
    {
        var report = await Run(Options(Methods("ce", "kd"), 1, 2));

        Assert.Equal([("ce", 1UL), ("kd", 1UL), ("ce", 2UL), ("kd", 2UL)], report.Runs.Select(r => (r.Method, r.Seed)));
        Assert.Equal(["ce", "kd"], report.Summaries.Select(s => s.Method));
        foreach (var summary in report.Summaries)
        {
            var runs = report.Runs.Where(r => r.Method == summary.Method).ToArray();
            Assert.Equal(2, summary.Runs);
            // Two values a, b: mean (a + b) / 2, sample std |a − b| / √2.
            void Check(MeanAndDeviation actual, Func<ComparisonRun, double> metric)
            {
                var (a, b) = (metric(runs[0]), metric(runs[1]));
                Assert.Equal((a + b) / 2, actual.Mean, 12);
                Assert.Equal(Math.Abs(a - b) / Math.Sqrt(2), actual.StandardDeviation!.Value, 12);
            }
            Check(summary.Perplexity, r => r.Perplexity);
            Check(summary.TopOneAgreement, r => r.TopOneAgreement);
            Check(summary.ForwardKl, r => r.ForwardKl);
            Check(summary.Seconds, r => r.Seconds);
            Check(summary.CpuSeconds, r => r.CpuSeconds);
        }
        Assert.All(report.Runs, r =>
        {
            Assert.Equal(4, r.Steps);
            Assert.Equal(Math.Exp(r.MeanLoss), r.Perplexity, 9);
            Assert.InRange(r.TopOneAgreement, 0, 1);
            Assert.True(r.ForwardKl > 0, $"{r.Method} seed {r.Seed}: KL {r.ForwardKl}");
            Assert.True(r.Seconds > 0);
            Assert.True(r.CpuSeconds > 0, $"{r.Method} seed {r.Seed}: CPU {r.CpuSeconds} s");
            Assert.Equal(0, r.StageOneSteps);
        });
        // Different seeds start different students.
        Assert.NotEqual(report.Runs[0].Perplexity, report.Runs[2].Perplexity);
        Assert.Equal(2, report.Teacher.Layers);
        // The teacher's training.json (train-teacher's report) gives its training cost.
        Assert.Equal(30, report.Teacher.TrainingSteps);
        Assert.True(report.Teacher.TrainingSeconds > 0);
        Assert.NotNull(report.Machine.LoadAverageAtStart);
        Assert.True(report.Teacher.Perplexity > 1 && report.Teacher.Perplexity < 300, $"teacher perplexity {report.Teacher.Perplexity}");
        Assert.Equal((1, 16, 4), (report.Student.Layers, report.Student.HiddenSize, report.Student.Heads));
        Assert.Equal((double)report.Student.Parameters / report.Teacher.Parameters, report.Student.ParameterRatio, 12);
        Assert.Equal(0, report.Student.CopiedTensors);
        Assert.Equal(16, report.Data.BlockSize);
        Assert.Equal(4L * 4 * 16, report.Training.TokensPerRun);
        Assert.False(Directory.Exists(Path.Combine(_root, "work", "run-001")), "a run's checkpoints are deleted after it");
    }

    [Fact]
    public async Task RunAsync_SameSeed_ReproducesTheNumbersWhateverRanBefore()
    {
        var methods = Methods("kd", "feature-alignment");
        var both = await Run(Options(methods, 1, 2));
        var alone = await Run(Options(methods, 2));

        Assert.Equal(2, alone.Runs.Count);
        foreach (var run in alone.Runs)
        {
            var earlier = both.Runs.Single(r => r.Method == run.Method && r.Seed == 2);
            Assert.Equal(earlier.Perplexity, run.Perplexity);
            Assert.Equal(earlier.TopOneAgreement, run.TopOneAgreement);
            Assert.Equal(earlier.ForwardKl, run.ForwardKl);
            Assert.Equal(earlier.FinalTrainingLoss, run.FinalTrainingLoss);
        }
        Assert.Equal(both.Teacher.Perplexity, alone.Teacher.Perplexity);
    }

    [Fact]
    public async Task RunAsync_Ted_TrainsBothModelsFiltersInsideTheRunAndCountsThem()
    {
        var ted = new MethodOptions
        {
            Name = MethodNames.Ted,
            Weights = new MethodWeights { Hidden = 0.5 },
            Ted = new TedOptions { StageOneSteps = 3, StageOneLearningRate = 1e-3 },
        };
        var phases = new List<ComparisonPhase>();

        var report = await Run(Options([ted], 1), new SynchronousProgress<ComparisonProgress>(p => phases.Add(p.Phase)));

        var run = Assert.Single(report.Runs);
        Assert.Equal(6, run.StageOneSteps);
        Assert.Equal(6, report.Summaries[0].StageOneSteps);
        Assert.InRange(run.StageOneSeconds, double.Epsilon, run.Seconds);
        Assert.Equal(4, run.Steps);
        var order = phases.Where(p => p is ComparisonPhase.TeacherFilters or ComparisonPhase.StudentFilters or ComparisonPhase.Distilling or ComparisonPhase.RunCompleted)
            .Distinct().ToArray();
        Assert.Equal([ComparisonPhase.TeacherFilters, ComparisonPhase.StudentFilters, ComparisonPhase.Distilling, ComparisonPhase.RunCompleted], order);
        Assert.Contains("Stage I: 6 steps", report.ToMarkdown(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Progress_ReportsEachFinishedRunAsInTheReport()
    {
        var finished = new List<ComparisonProgress>();

        var report = await Run(Options(Methods("ce", "reverse-kl"), 3), new SynchronousProgress<ComparisonProgress>(p =>
        {
            if (p.Phase == ComparisonPhase.RunCompleted)
            {
                finished.Add(p);
            }
        }));

        Assert.Equal([1, 2], finished.Select(p => p.Run));
        Assert.All(finished, p => Assert.Equal(2, p.Runs));
        Assert.Equal(report.Runs, finished.Select(p => p.Result!));
    }

    [Fact]
    public async Task RunAsync_MethodThatDoesNotFitTheModels_FailsBeforeAnythingTrains()
    {
        // The teacher has 2 layers: an interval of 3 does not divide them.
        var ted = new MethodOptions { Name = MethodNames.Ted, Ted = new TedOptions { TeacherInterval = 3 } };
        var phases = new List<ComparisonPhase>();

        var error = await Assert.ThrowsAsync<MethodOptionsException>(() =>
            Run(Options([new MethodOptions { Name = "kd" }, ted], 1), new SynchronousProgress<ComparisonProgress>(p => phases.Add(p.Phase))));

        Assert.Contains("method.ted.teacherInterval", error.Message, StringComparison.Ordinal);
        Assert.Empty(phases);
    }

    [Fact]
    public void Constructor_InvalidOptions_ListsEveryProblem()
    {
        var options = Options([new MethodOptions { Name = "kd" }, new MethodOptions { Name = "kd" }, new MethodOptions { Name = "kd", Temperature = 0 }], 1, 1);

        var error = Assert.Throws<ArgumentException>(() => new MethodComparison(options));

        Assert.Contains("the method 'kd' is given 3 times", error.Message, StringComparison.Ordinal);
        Assert.Contains("kd: method.temperature: must be > 0", error.Message, StringComparison.Ordinal);
        Assert.Contains("the seeds (1, 1) repeat one", error.Message, StringComparison.Ordinal);
    }
}
