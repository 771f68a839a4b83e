using Distill.Contracts.Manifests;
using Distill.Contracts.Models;
using Distill.Contracts.Runs;
using Distill.Reports;

namespace Distill.Runner.Tests.Reports;

public sealed class MarkdownReportTests
{
    private static readonly DateTimeOffset s_start = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private static ModelConfig Config(int layers, int hidden) => new()
    {
        ModelType = "gpt2",
        VocabSize = 50257,
        HiddenSize = hidden,
        NumLayers = layers,
        NumHeads = 12,
        NumKeyValueHeads = 12,
        HeadDim = hidden / 12,
        IntermediateSize = 4 * hidden,
        MaxPositions = 1024,
        NormEps = 1e-5,
        Activation = "gelu_new",
        TieWordEmbeddings = true,
    };

    private static RunReport Report(EvaluationGates? gates = null) => new()
    {
        RunId = "run42",
        Name = "tiny-gpt2-kd",
        Method = "kd",
        MethodDetails = "temperature 2; weights ce 0.5, kd 0.5",
        Teacher = new ReportModel("uploads/run42/teacher", Config(12, 768), 124_439_808),
        Student = new ReportModel("runs/run42/artifacts/student", Config(6, 768), 81_912_576),
        Data = new ReportData { BlockSize = 128, TrainDocuments = 950, TrainTokens = 120_000, TrainBlocks = 937, ValidationDocuments = 50, ValidationTokens = 6_000, ValidationBlocks = 46 },
        Stages =
        [
            new ReportStage { Name = "prepare", Status = "completed", Runner = "gpu-1", StartedAt = s_start, CompletedAt = s_start.AddSeconds(12.5) },
            new ReportStage
            {
                Name = "distill",
                Status = "completed",
                Runner = "gpu-2",
                StartedAt = s_start.AddSeconds(20),
                CompletedAt = s_start.AddSeconds(20 + 245),
                Training = new TrainingHistory
                {
                    Stage = "distill", Steps = 300, ResumedFromStep = 200, TrainingSeconds = 200, Tokens = 2_000_000,
                    Points = [new(299, 2.5, 1e-4), new(300, 2.25, 1e-4, 2.4)],
                },
            },
        ],
        Comparison = new TeacherComparison
        {
            TeacherParameters = 124_439_808, StudentParameters = 81_912_576, TeacherPerplexity = 20, StudentPerplexity = 30,
            TopOneAgreement = 0.625, ForwardKl = 0.25, TeacherTokensPerSecond = 1000, StudentTokensPerSecond = 1800, TokensEvaluated = 4096,
        },
        EvaluatedBlocks = 32,
        BlockSize = 128,
        Gates = gates,
        Samples = [new ReportSample("The licensee | shall", "student", "greedy", "pay the\nfee | now", StoppedAtEos: true)],
        Images = [new ReportImage("loss.png", "Training and validation loss")],
        Files = [new ReportImage("evaluation.json", "the evaluation as JSON")],
        GeneratedAt = s_start.AddMinutes(5),
    };

    [Fact]
    public void Render_Report_HasTheRunTheStagesTheComparisonAndTheChart()
    {
        var markdown = MarkdownReport.Render(Report());

        Assert.StartsWith("# tiny-gpt2-kd: distillation report\n\nRun `run42`, method **kd**. Generated 2026-01-02 03:09:05 UTC.\n", markdown, StringComparison.Ordinal);
        Assert.Contains("| method | kd: temperature 2; weights ce 0.5, kd 0.5 |", markdown, StringComparison.Ordinal);
        Assert.Contains("| student | gpt2, 6 layers, width 768, 12 heads, MLP 3072, vocabulary 50,257, 81,912,576 parameters (`runs/run42/artifacts/student`), 65.8% of the teacher's parameters |", markdown, StringComparison.Ordinal);
        Assert.Contains("| validation data | 50 documents, 6,000 tokens, 46 blocks of 128 |", markdown, StringComparison.Ordinal);
        Assert.Contains("| wall time | 4 min 25 s from the first stage's start to the last stage's end |", markdown, StringComparison.Ordinal);
        Assert.Contains("| prepare | completed | gpu-1 | 12.5 s | — | — | — | — |", markdown, StringComparison.Ordinal);
        Assert.Contains("| distill | completed | gpu-2 | 4 min 05 s | 300 (resumed at 200) | 2.2500 | 2.4000 | 10,000 |", markdown, StringComparison.Ordinal);
        Assert.Contains("| perplexity | 20.000 | 30.000 | 1.500 |", markdown, StringComparison.Ordinal);
        Assert.Contains("| tokens/s (forward) | 1,000 | 1,800 | 1.80 |", markdown, StringComparison.Ordinal);
        Assert.Contains("| top-1 agreement with the teacher | | 62.5% | |", markdown, StringComparison.Ordinal);
        Assert.Contains("![Training and validation loss](loss.png)", markdown, StringComparison.Ordinal);
        Assert.Contains("- [evaluation.json](evaluation.json): the evaluation as JSON", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("| gate |", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_SampleWithPipesAndLineBreaks_StaysInOneTableRow()
    {
        var markdown = MarkdownReport.Render(Report());

        Assert.Contains("Prompt: `The licensee ¦ shall`", markdown, StringComparison.Ordinal);
        Assert.Contains("| student | greedy | pay the↵fee \\| now *(end of text)* |", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Gates_ShowsEachWithWhatWasMeasuredAndWhichAreMissed()
    {
        var markdown = MarkdownReport.Render(Report(new EvaluationGates { MaxPerplexityRatio = 1.2, MinTopOneAgreement = 0.5 }));

        Assert.Contains("| perplexity ratio | ≤ 1.2 | 1.5 |", markdown, StringComparison.Ordinal);
        Assert.Contains("| top-1 agreement | ≥ 0.5 | 0.625 |", markdown, StringComparison.Ordinal);
        Assert.Contains("The student misses 1 gate(s): the student's perplexity 30 is 1.5 times the teacher's 20; evaluation.gates.maxPerplexityRatio allows 1.2.", markdown, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.85, "850 ms")]
    [InlineData(12.34, "12.3 s")]
    [InlineData(245, "4 min 05 s")]
    [InlineData(7380, "2 h 03 min")]
    public void FormatDuration_Spans_ReadAsPeopleWriteThem(double seconds, string expected)
    {
        Assert.Equal(expected, MarkdownReport.FormatDuration(TimeSpan.FromSeconds(seconds)));
    }
}
