using System.Text.Json;
using Distill.Contracts.Methods;
using Distill.Training.Comparison;

namespace Distill.Cli.Tests;

[Collection(TeacherGroup.Name)]
public sealed class CompareCommandTests(TrainedTeacherFixture teacher) : IDisposable
{
    private static readonly byte[] s_pngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private readonly string _root = Directory.CreateTempSubdirectory("distill-cli-compare-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Out => Path.Combine(_root, "out");

    /// <summary>A compare run of 2 steps per run on the tiny teacher; <paramref name="more"/> follows.</summary>
    private string[] CompareArgs(params string[] more) =>
        ["compare", "--teacher", teacher.Folder, "--data", teacher.Corpus, "--cache", Path.Combine(_root, "cache"), "--out", Out, "--steps", "2", "--batch-size", "4", .. more];

    [Fact]
    public async Task Compare_EveryMethodName_IsAcceptedAndGetsARowAChartAndItsRuns()
    {
        var run = await CommandRun.RunAsync(CompareArgs("--methods", string.Join(",", MethodNames.All), "--seeds", "1"));

        Assert.True(run.ExitCode == DistillCommandLine.Ok, run.Error);
        var markdown = await File.ReadAllTextAsync(Path.Combine(Out, "comparison.md"), TestContext.Current.CancellationToken);
        var rows = markdown.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal)).ToList();
        foreach (var method in MethodNames.All)
        {
            // One row in the results table and one in the settings table.
            Assert.Equal(2, rows.Count(r => r.StartsWith($"| {method} |", StringComparison.Ordinal)));
            Assert.Contains(method, run.Output, StringComparison.Ordinal);
        }
        Assert.Contains("Produced by `distill compare --teacher", markdown, StringComparison.Ordinal);
        var png = await File.ReadAllBytesAsync(Path.Combine(Out, "comparison.png"), TestContext.Current.CancellationToken);
        Assert.Equal(s_pngSignature, png[..8]);
        Assert.True(png.Length > 10_000, $"the chart is only {png.Length} bytes");
        var report = ComparisonReport.FromJson(await File.ReadAllTextAsync(Path.Combine(Out, "comparison.json"), TestContext.Current.CancellationToken));
        Assert.Equal(MethodNames.All, report.Runs.Select(r => r.Method));
        Assert.Equal(MethodNames.All, report.Methods.Select(m => m.Name));
        // The comparison's own settings, not the manifest defaults (TED's Stage I is short at this scale).
        Assert.Equal(ComparisonDefaults.Method(MethodNames.Ted).Ted!.StageOneSteps * 2, report.Runs.Single(r => r.Method == MethodNames.Ted).StageOneSteps);
    }

    [Fact]
    public async Task Compare_UnknownMethod_IsBadUsageNamingItAndTheKnownOnes()
    {
        var run = await CommandRun.RunAsync(CompareArgs("--methods", "kd,dkd"));

        Assert.Equal(DistillCommandLine.BadUsage, run.ExitCode);
        Assert.Contains("unknown method 'dkd'", run.Error, StringComparison.Ordinal);
        Assert.Contains("(known: ce, kd, reverse-kl, atkd, ted, lwd, feature-alignment)", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Out));
    }

    [Fact]
    public async Task Compare_Json_PrintsTheReportWrittenToTheFolderWithARunPerMethodAndSeed()
    {
        var methodFile = Path.Combine(_root, "methods.json");
        await File.WriteAllTextAsync(methodFile, """[{"name": "kd", "temperature": 2, "weights": {"ce": 0.5}}]""", TestContext.Current.CancellationToken);

        var run = await CommandRun.RunAsync(CompareArgs("--methods", "ce", "kd", "--seeds", "2", "--method-file", methodFile, "--json"));

        Assert.True(run.ExitCode == DistillCommandLine.Ok, run.Error);
        using var json = JsonDocument.Parse(run.Output);
        var root = json.RootElement;
        Assert.Equal(4, root.GetProperty("runs").GetArrayLength());
        Assert.Equal(2, root.GetProperty("summaries").GetArrayLength());
        var summary = root.GetProperty("summaries")[1];
        Assert.Equal("kd", summary.GetProperty("method").GetString());
        Assert.Equal(2, summary.GetProperty("runs").GetInt32());
        Assert.True(summary.GetProperty("perplexity").TryGetProperty("standardDeviation", out _));
        Assert.True(root.GetProperty("teacher").GetProperty("perplexity").GetDouble() > 1);
        Assert.Equal(2, root.GetProperty("methods")[1].GetProperty("temperature").GetDouble());
        Assert.StartsWith("distill compare --teacher ", root.GetProperty("command").GetString(), StringComparison.Ordinal);
        var written = await File.ReadAllTextAsync(Path.Combine(Out, "comparison.json"), TestContext.Current.CancellationToken);
        Assert.Equal(written.TrimEnd(), run.Output.TrimEnd());
        // The table has a row per method, in the order given, and the chart is a PNG.
        var markdown = await File.ReadAllLinesAsync(Path.Combine(Out, "comparison.md"), TestContext.Current.CancellationToken);
        var header = Array.FindIndex(markdown, l => l.StartsWith("| method | perplexity", StringComparison.Ordinal));
        Assert.True(header >= 0, "no results table");
        Assert.StartsWith("| ce | ", markdown[header + 2], StringComparison.Ordinal);
        Assert.StartsWith("| kd | ", markdown[header + 3], StringComparison.Ordinal);
        Assert.Contains(" ± ", markdown[header + 3], StringComparison.Ordinal);
        Assert.Equal("", markdown[header + 4]);
        var png = await File.ReadAllBytesAsync(Path.Combine(Out, "comparison.png"), TestContext.Current.CancellationToken);
        Assert.Equal(s_pngSignature, png[..8]);
    }

    [Theory]
    [InlineData("--seeds", "0")]
    [InlineData("--steps", "0")]
    [InlineData("--batch-size", "0")]
    [InlineData("--lr", "0")]
    [InlineData("--block-size", "1")]
    [InlineData("--student-layers", "0")]
    [InlineData("--eval-blocks", "0")]
    public async Task Compare_ValueOutOfRange_IsBadUsageNamingTheOptionAndWritesNothing(string option, string value)
    {
        var run = await CommandRun.RunAsync(CompareArgs("--methods", "kd", option, value));

        Assert.Equal(DistillCommandLine.BadUsage, run.ExitCode);
        Assert.Contains(option, run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Out));
    }

    [Fact]
    public async Task Compare_StudentThatCannotBeBuilt_IsBadUsageNamingTheOption()
    {
        // 4 heads do not divide a width of 18.
        var run = await CommandRun.RunAsync(CompareArgs("--methods", "kd", "--student-hidden", "18"));

        Assert.Equal(DistillCommandLine.BadUsage, run.ExitCode);
        Assert.Contains("--student-", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Out));
    }

    [Theory]
    [InlineData("[{\"name\": \"kd\", \"temperature\": 0}]", "method.temperature: must be > 0")]
    [InlineData("{\"name\": \"kd\"}", "must hold a JSON array of method sections")]
    [InlineData("[{\"name\": \"kd\", \"weigths\": {}}]", "weigths")]
    public async Task Compare_BadMethodFile_IsBadUsageNamingTheFileAndTheProblem(string content, string message)
    {
        var methodFile = Path.Combine(_root, "methods.json");
        await File.WriteAllTextAsync(methodFile, content, TestContext.Current.CancellationToken);

        var run = await CommandRun.RunAsync(CompareArgs("--methods", "kd", "--method-file", methodFile));

        Assert.Equal(DistillCommandLine.BadUsage, run.ExitCode);
        Assert.Contains(methodFile, run.Error, StringComparison.Ordinal);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
    }
}
