using System.Text.Json;
using Distill.Training.Evaluation;

namespace Distill.Training.Tests.Evaluation;

public sealed class EvaluationReportTests
{
    private static EvaluationReport Report(bool withTeacher = true) => new()
    {
        Dataset = "/data/wiki",
        Split = "validation",
        Blocks = 12,
        BlockSize = 64,
        TokensEvaluated = 760,
        Student = new ModelMetrics { Name = "out/student", Parameters = 1_234_567, MeanLoss = 2.5, Perplexity = Math.Exp(2.5), TokensPerSecond = 45_678.9, ForwardSeconds = 0.0168 },
        Teacher = withTeacher
            ? new ModelMetrics { Name = "teacher", Parameters = 9_876_543, MeanLoss = 2.0, Perplexity = Math.Exp(2.0), TokensPerSecond = 12_345.6, ForwardSeconds = 0.0622 }
            : null,
        TopOneAgreement = withTeacher ? 0.5321 : null,
        ForwardKl = withTeacher ? 0.41234 : null,
        Samples = [new ModelSamples("out/student", [new TextSample("Once upon", "greedy", " a time\nthere", 4, true)])],
    };

    [Fact]
    public void ToJson_UsesCamelCaseNamesAndLeavesOutAMissingTeacher()
    {
        using var json = JsonDocument.Parse(Report(withTeacher: false).ToJson());
        var root = json.RootElement;

        Assert.Equal(
            ["schemaVersion", "dataset", "split", "blocks", "blockSize", "tokensEvaluated", "student", "samples"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(
            ["name", "parameters", "meanLoss", "perplexity", "tokensPerSecond", "forwardSeconds"],
            root.GetProperty("student").EnumerateObject().Select(p => p.Name));
        var sample = root.GetProperty("samples")[0];
        Assert.Equal("out/student", sample.GetProperty("model").GetString());
        Assert.Equal(
            ["prompt", "strategy", "continuation", "newTokens", "stoppedAtEos"],
            sample.GetProperty("samples")[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, root.GetProperty("schemaVersion").GetInt32());
    }

    [Fact]
    public void FromJson_RoundTripsEveryField()
    {
        var report = Report();

        var back = EvaluationReport.FromJson(report.ToJson());

        Assert.Equal(report.ToJson(), back.ToJson());
        Assert.Equal(report.Student, back.Student);
        Assert.Equal(report.Teacher, back.Teacher);
        Assert.Equal(0.41234, back.ForwardKl);
        Assert.Equal(report.Samples[0].Samples[0], back.Samples[0].Samples[0]);
    }

    [Fact]
    public void ToJson_InfinitePerplexity_IsWrittenAsANamedLiteral()
    {
        var report = Report() with { Student = Report().Student with { MeanLoss = 800, Perplexity = double.PositiveInfinity } };

        var json = report.ToJson();

        Assert.Contains("\"perplexity\": \"Infinity\"", json, StringComparison.Ordinal);
        Assert.Equal(double.PositiveInfinity, EvaluationReport.FromJson(json).Student.Perplexity);
    }

    [Fact]
    public void MetricsTable_OneRowPerModel_AgreementAndKlOnTheStudentsRow()
    {
        var table = Report().MetricsTable();

        Assert.Equal(["model", "parameters", "perplexity", "top-1 agreement", "KL(teacher‖model)", "tokens/s", "tokens"], table.Columns);
        Assert.Equal(["out/student", "1,234,567", "12.182", "53.21%", "0.4123", "45,679", "760"], table.Rows[0]);
        Assert.Equal(["teacher", "9,876,543", "7.389", "—", "—", "12,346", "760"], table.Rows[1]);
        Assert.Equal("validation split of /data/wiki: 12 blocks of 64", table.Title);
    }

    [Fact]
    public void SamplesTable_ShowsNewlinesAndTheEosStop()
    {
        var table = Report().SamplesTable();

        Assert.Equal(["out/student", "greedy", "Once upon", " a time↵there [eos]"], Assert.Single(table.Rows));
    }

    [Fact]
    public void ToPlainText_AlignsColumnsAndRightAlignsNumbers()
    {
        var lines = Report().MetricsTable().ToPlainText().Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(5, lines.Length);
        Assert.Equal("validation split of /data/wiki: 12 blocks of 64", lines[0]);
        Assert.StartsWith("model        parameters  perplexity  top-1 agreement", lines[1], StringComparison.Ordinal);
        Assert.Matches("^-+  -+  -+", lines[2]);
        Assert.StartsWith("out/student   1,234,567      12.182           53.21%", lines[3], StringComparison.Ordinal);
        Assert.StartsWith("teacher       9,876,543       7.389                —", lines[4], StringComparison.Ordinal);
        Assert.Equal(lines[1].Length, lines[3].Length);
    }
}
