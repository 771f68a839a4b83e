using Distill.Contracts.Methods;
using Distill.Training.Comparison;

namespace Distill.Training.Tests.Comparison;

public sealed class ComparisonReportTests
{
    private static ComparisonRun Run(string method, ulong seed, double perplexity, double agreement, double kl, double seconds, double cpuSeconds = 0) => new()
    {
        Method = method,
        Seed = seed,
        Perplexity = perplexity,
        MeanLoss = Math.Log(perplexity),
        TopOneAgreement = agreement,
        ForwardKl = kl,
        Seconds = seconds,
        CpuSeconds = cpuSeconds,
        Steps = 10,
        EvaluationSeconds = 1,
    };

    private static ComparisonReport Report()
    {
        ComparisonRun[] runs =
        [
            Run("ce", 1, 300, 0.30, 0.70, 10, 18), Run("kd", 1, 250, 0.50, 0.25, 20, 38), Run("ted", 1, 240, 0.52, 0.24, 30, 60),
            Run("ce", 2, 310, 0.32, 0.72, 11, 20), Run("kd", 2, 254, 0.52, 0.27, 22, 42), Run("ted", 2, 260, 0.48, 0.28, 31, 60),
        ];
        MethodOptions[] methods = [new() { Name = "ce" }, new() { Name = "kd" }, new() { Name = "ted", Weights = new MethodWeights { Ce = 0, Hidden = 0.3 } }];
        return new ComparisonReport
        {
            Teacher = new ComparisonTeacher { Folder = "/t", ModelType = "gpt2", Layers = 4, HiddenSize = 128, Heads = 4, Parameters = 1_334_016, VocabSize = 4096, Perplexity = 181.79, MeanLoss = Math.Log(181.79) },
            Student = new ComparisonStudent { Layers = 2, HiddenSize = 64, Heads = 4, IntermediateSize = 256, Parameters = 370_432, ParameterRatio = 0.2777, CopiedTensors = 0 },
            Data = new ComparisonData
            {
                Inputs = ["a.txt"], Dataset = "/d", BlockSize = 128, TrainDocuments = 100, TrainTokens = 9000, ValidationDocuments = 5, ValidationTokens = 500,
                EvaluatedBlocks = 3, EvaluatedTokens = 384,
            },
            Training = new ComparisonTraining
            {
                Steps = 10, BatchSize = 8, GradientAccumulation = 1, LearningRate = 2e-3, MinLearningRate = 2e-4, WarmupSteps = 1, WeightDecay = 0.1,
                TokensPerRun = 10240, Device = "cpu",
            },
            Seeds = [1, 2],
            Methods = methods,
            Runs = runs,
            Summaries = [.. methods.Select(m => MethodSummary.Of([.. runs.Where(r => r.Method == m.Name)]))],
            Machine = new ComparisonMachine { ProcessorCount = 2, TorchThreads = 2, OperatingSystem = "Linux", CpuSeconds = 230, Finished = DateTimeOffset.UnixEpoch },
            TotalSeconds = 125,
            Command = "distill compare --teacher t",
        };
    }

    [Fact]
    public void ToMarkdown_HasTheCommandTheTeachersPerplexityAndOneRowPerMethod()
    {
        var markdown = Report().ToMarkdown();
        var lines = markdown.Split('\n');

        Assert.Contains("Produced by `distill compare --teacher t`.", markdown, StringComparison.Ordinal);
        Assert.Contains("perplexity **181.79**", markdown, StringComparison.Ordinal);
        Assert.Contains("0.28 × the teacher's", markdown, StringComparison.Ordinal);
        // ce: perplexity 305 ± 7.07, agreement 31.0 ± 1.4 %, KL 0.710 ± 0.014, seconds 10.5 ± 0.7.
        Assert.Contains("| ce | 305.00 ± 7.07 | 31.0 ± 1.4 % | 0.710 ± 0.014 | 10.5 ± 0.7 | 19.0 ± 1.4 |", lines.Select(l => l.TrimEnd()));
        Assert.Single(lines, l => l.StartsWith("| kd | 252.00 ± 2.83 |", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith("| ted | 250.00 ± 14.14 |", StringComparison.Ordinal));
        Assert.Contains("| ted | kd 1, hidden 0.3 | 2 |", markdown, StringComparison.Ordinal);
        Assert.Contains("- **Machine**: 2 cores, 2 libtorch threads, Linux; 6 runs and their evaluations in 2:05, 230 CPU seconds.", lines);
    }

    [Fact]
    public void ToMarkdown_AgainstKd_SaysWhichMethodsBeatKdClearlyAndWhichDoNot()
    {
        var lines = Report().ToMarkdown().Split('\n');

        // ce 305 ± 7.07 against kd 252 ± 2.83: 53 apart, spread √(50 + 8) = 7.62.
        Assert.Contains("- **ce**: KD beats training without the teacher clearly (53.00, spread 7.62). It took 0.5 × KD's CPU time.", lines);
        // ted 250 ± 14.14: 2 ahead, spread √(200 + 8) = 14.42.
        Assert.Contains("- **ted**: ahead of KD but within the seeds' spread (2.00, spread 14.42): not a clear gain at this scale. It took 1.5 × KD's CPU time.", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("- **kd**", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(2.0, 2.9, false)]
    [InlineData(3.1, 1.0, true)]
    [InlineData(0.5, 3.5, true)]
    public void WasLoaded_TheComparisonsOwnLoad_IsNotOtherWork(double atStart, double atEnd, bool expected)
    {
        var machine = Report().Machine with { LoadAverageAtStart = atStart, LoadAverageAtEnd = atEnd };

        Assert.Equal(expected, machine.WasLoaded);
    }

    [Fact]
    public void ToMarkdown_BehindKdAndALoadedMachine_AreSaid()
    {
        var report = Report();
        var slow = report.Runs.Select(r => r.Method == "ted" ? r with { Perplexity = r.Perplexity + 100 } : r).ToArray();
        report = report with
        {
            Summaries = [.. report.Methods.Select(m => MethodSummary.Of([.. slow.Where(r => r.Method == m.Name)]))],
            Machine = report.Machine with { LoadAverageAtStart = 5.2, LoadAverageAtEnd = 1.5 },
            Teacher = report.Teacher with { TrainingSeconds = 240, TrainingSteps = 600 },
        };

        var markdown = report.ToMarkdown();

        Assert.Contains("- **ted**: does not beat KD at this scale: behind it clearly (98.00, spread 14.42).", markdown, StringComparison.Ordinal);
        Assert.Contains("**The machine was loaded**", markdown, StringComparison.Ordinal);
        Assert.Contains("load average 5.2 at the start and 1.5 at the end", markdown, StringComparison.Ordinal);
        Assert.Contains("trained for 600 steps in 4:00", markdown, StringComparison.Ordinal);
        Assert.Contains("in 2:05 (6:05 with the teacher's training steps)", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("The machine was loaded", Report().ToMarkdown(), StringComparison.Ordinal);
    }

    [Fact]
    public void ToJson_RoundTripsAndUsesCamelCase()
    {
        var report = Report();

        var json = report.ToJson();
        var back = ComparisonReport.FromJson(json);

        Assert.Contains("\"topOneAgreement\"", json, StringComparison.Ordinal);
        Assert.Contains("\"schemaVersion\": 1", json, StringComparison.Ordinal);
        Assert.Equal(report.Runs, back.Runs);
        Assert.Equal(report.Summaries.Select(s => s.Perplexity), back.Summaries.Select(s => s.Perplexity));
        Assert.Equal(0.3, back.Methods[2].Weights!.Hidden);
        Assert.Equal(report.Teacher, back.Teacher);
    }

    [Fact]
    public void MeanAndDeviation_Of_IsTheMeanAndTheSampleStandardDeviation()
    {
        var value = MeanAndDeviation.Of([2, 4, 4, 4, 5, 5, 7, 9]);

        Assert.Equal(5, value.Mean, 12);
        // Σ(x − 5)² = 32; 32 / 7 under the root.
        Assert.Equal(Math.Sqrt(32.0 / 7), value.StandardDeviation!.Value, 12);
        Assert.Equal(new MeanAndDeviation(3, null), MeanAndDeviation.Of([3]));
        Assert.Throws<ArgumentException>(() => MeanAndDeviation.Of([]));
    }

    [Fact]
    public void MethodSummary_Of_RefusesRunsOfSeveralMethods()
    {
        var error = Assert.Throws<ArgumentException>(() => MethodSummary.Of([Run("ce", 1, 1, 0, 0, 1), Run("kd", 1, 1, 0, 0, 1)]));

        Assert.Contains("ce, kd", error.Message, StringComparison.Ordinal);
    }
}
