using System.Text.Json;
using System.Text.RegularExpressions;
using Distill.Cli.Commands;
using Distill.Contracts.Runs;
using Distill.Contracts.Stages;
using Distill.Pipeline.Local;
using Distill.Reports;
using Distill.Training.Pretraining;

namespace Distill.Cli.Tests;

public sealed class DemoCommandTests(DemoFixture demo) : IClassFixture<DemoFixture>, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("distill-cli-demo-test-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Demo_FreshStore_TrainsTheTeacherRunsThePipelineAndEndsWithTheTable()
    {
        Assert.True(demo.Run.ExitCode == DistillCommandLine.Ok, demo.Run.Output + demo.Run.Error);
        var output = demo.Run.Output;

        // Captured output gets the progress bars only at milestones, as the clock allows: the lines below are always there.
        Assert.Matches(@"^[\d,]+ parameters, validation perplexity [\d.]+, trained in \d+:\d\d at [\d,]+ tokens/s \(.+\)\.$", Line(output, "Teacher: "));
        Assert.Matches(@"demo-kd-\S+: kd in \d+:\d\d", output);
        foreach (var row in new[] { "parameters", "weights on disk", "perplexity (uniform guess: ", "top-1 agreement with the teacher", "speed (forward tokens/s)" })
        {
            Assert.Contains(row, output, StringComparison.Ordinal);
        }
        var student = Line(output, "Student: ");
        Assert.StartsWith(Path.Combine(demo.Store, "blobs", "models", "demo-kd"), student, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(student, "model.safetensors")), student);
        Assert.True(File.Exists(Path.Combine(student, "config.json")), student);
        var report = Line(output, "Report:  ").Split(" (", 2)[0];
        Assert.EndsWith(RunReportFiles.Markdown, report, StringComparison.Ordinal);
        var reportFolder = Path.GetDirectoryName(report)!;
        Assert.True(File.Exists(Path.Combine(reportFolder, RunReportFiles.LossChart)), reportFolder);
        Assert.True(File.Exists(Path.Combine(reportFolder, RunReportFiles.Evaluation)), reportFolder);
        var markdown = File.ReadAllText(report);
        Assert.Contains("## Teacher and student", markdown, StringComparison.Ordinal);
        Assert.Contains($"]({RunReportFiles.LossChart})", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_Json_ReusesTheTeacherAndPrintsEventsThenTheSummary()
    {
        Assert.Equal(DistillCommandLine.Ok, demo.Run.ExitCode);
        var teacherWritten = File.GetLastWriteTimeUtc(Path.Combine(demo.TeacherFolder, "model.safetensors"));

        var run = await CommandRun.RunAsync(demo.Args("--json"));

        Assert.True(run.ExitCode == DistillCommandLine.Ok, run.Output + run.Error);
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        var types = lines.Select(l => l.GetProperty("type").GetString()).ToList();
        Assert.Equal("demo.summary", types[^1]);
        Assert.Contains("demo.submitted", types);
        Assert.Contains("distill.run.accepted", types);
        Assert.Contains("distill.stage.progress", types);
        Assert.Contains("distill.pipeline.completed", types);
        Assert.DoesNotContain("demo.teacher.progress", types);
        var ready = lines.Single(l => l.GetProperty("type").GetString() == "demo.teacher.ready");
        Assert.True(ready.GetProperty("reused").GetBoolean());
        Assert.Equal(teacherWritten, File.GetLastWriteTimeUtc(Path.Combine(demo.TeacherFolder, "model.safetensors")));

        var summary = lines[^1];
        Assert.Equal("completed", summary.GetProperty("status").GetString());
        Assert.Equal("kd", summary.GetProperty("method").GetString());
        var runId = lines.Single(l => l.GetProperty("type").GetString() == "demo.submitted").GetProperty("runId").GetString();
        Assert.Equal(runId, summary.GetProperty("runId").GetString());
        var teacher = summary.GetProperty("teacher");
        var student = summary.GetProperty("student");
        Assert.True(student.GetProperty("parameters").GetInt64() < teacher.GetProperty("parameters").GetInt64());
        var uniform = summary.GetProperty("uniformPerplexity").GetInt32();
        Assert.InRange(student.GetProperty("perplexity").GetDouble(), 1, uniform * 0.8);
        Assert.InRange(summary.GetProperty("topOneAgreement").GetDouble(), 0, 1);
        Assert.True(File.Exists(Path.Combine(student.GetProperty("folder").GetString()!, "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(summary.GetProperty("report").GetString()!, RunReportFiles.Markdown)));
    }

    [Fact]
    public async Task Demo_GateTheStudentMisses_FailsWithExit1AndTheReason()
    {
        Assert.Equal(DistillCommandLine.Ok, demo.Run.ExitCode);

        var run = await CommandRun.RunAsync(demo.Args("--steps", "2", "--max-perplexity-ratio", "0.01"));

        Assert.Equal(DistillCommandLine.Failure, run.ExitCode);
        Assert.True(Regex.IsMatch(run.Error.ReplaceLineEndings("\n"), @"^distill demo: run demo-kd-\S+ failed:\n  the student's perplexity .*; evaluation\.gates\.maxPerplexityRatio allows 0\.01\n$"), run.Error);
        Assert.Matches(@"Run demo-kd-\S+ failed after \d+:\d\d\.", run.Output);
        Assert.True(File.Exists(Line(run.Output, "Report:  ")), run.Output);
        Assert.DoesNotContain("Student: ", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_CancelledWhileTraining_ExitsWith1AndFailsItsRunSoNoRunnerResumesIt()
    {
        Assert.Equal(DistillCommandLine.Ok, demo.Run.ExitCode);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var started = DateTimeOffset.UtcNow;

        var running = CommandRun.RunAsync(demo.Args("--steps", "100000", "--json"), stop.Token);
        RunState? training = null;
        await using (var store = await LocalStore.OpenAsync(demo.Store, TimeProvider.System, TestContext.Current.CancellationToken))
        {
            for (var i = 0; i < 600 && training is null && !running.IsCompleted; i++)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
                await foreach (var state in store.CreateContext().Runs.ListAsync(TestContext.Current.CancellationToken))
                {
                    if (state.CreatedAt >= started.AddSeconds(-1) && state.Stage(StageNames.Distill).Status == StageStatus.Running)
                    {
                        training = state;
                    }
                }
            }
            await stop.CancelAsync();
            Assert.NotNull(training);
            var run = await running.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

            Assert.Equal(DistillCommandLine.Failure, run.ExitCode);
            Assert.Equal("distill: cancelled", run.Error.Trim());
            var after = (await store.CreateContext().Runs.ReadAsync(training.RunId, TestContext.Current.CancellationToken))?.State;
            Assert.Equal(RunStatus.Failed, after?.Status);
            Assert.Equal(["the demo was stopped before the run finished"], after?.Failure?.Reasons);
        }
    }

    [Fact]
    public void TeacherCheck_CorruptWeights_IsNotUsableAndSaysWhy()
    {
        Assert.Equal(DistillCommandLine.Ok, demo.Run.ExitCode);
        var options = CopiedTeacherOptions();
        Assert.True(DemoTeacher.IsUsable(options, out var none), none);

        var weights = Path.Combine(options.OutputFolder, "model.safetensors");
        File.WriteAllBytes(weights, [.. File.ReadAllBytes(weights).Take(100)]);

        Assert.False(DemoTeacher.IsUsable(options, out var problem));
        Assert.StartsWith("its model cannot be loaded: ", problem, StringComparison.Ordinal);
        Assert.Contains("model.safetensors", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TeacherCheck_OtherSettingsOrSteps_IsNotUsableAndNamesTheDifference()
    {
        Assert.Equal(DistillCommandLine.Ok, demo.Run.ExitCode);
        var options = CopiedTeacherOptions();

        Assert.False(DemoTeacher.IsUsable(options with { HiddenSize = 64 }, out var shape));
        Assert.False(DemoTeacher.IsUsable(options with { Steps = 30 }, out var steps));
        Assert.False(DemoTeacher.IsUsable(options with { OutputFolder = Path.Combine(_root, "none") }, out var absent));

        Assert.StartsWith("it was trained with other settings: ", shape, StringComparison.Ordinal);
        Assert.Contains("hidden", shape, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("it was trained for 20 steps, the demo trains 30", steps);
        Assert.Null(absent);
    }

    [Fact]
    public async Task Demo_CorruptCachedTeacher_SaysSoAndTrainsANewOne()
    {
        Assert.Equal(DistillCommandLine.Ok, demo.Run.ExitCode);
        var store = Path.Combine(_root, "store");
        CopyFolder(Path.Combine(demo.Store, "demo"), Path.Combine(store, "demo"));
        File.WriteAllText(Path.Combine(store, "demo", "teacher", PretrainingJob.ReportFileName), "{ not json");

        // A teacher is trained again (a few steps are enough to see it); the run itself is the other tests' business.
        var run = await CommandRun.RunAsync(demo.Args("--store", store, "--teacher-steps", "4", "--steps", "2", "--json"));

        Assert.True(run.ExitCode == DistillCommandLine.Ok, run.Output + run.Error);
        var notes = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(l => l.GetProperty("type").GetString() == "demo.note").Select(l => l.GetProperty("message").GetString()).ToList();
        Assert.Contains(notes, n => n!.StartsWith($"The teacher in {Path.Combine(store, "demo", "teacher")} cannot be used (its training.json cannot be read: ", StringComparison.Ordinal)
            && n.EndsWith("; training a new one.", StringComparison.Ordinal));
        Assert.Equal(4, PretrainingJob.ReadReport(Path.Combine(store, "demo", "teacher")).Step);
    }

    [Fact]
    public async Task Demo_MissingCorpus_FailsNamingIt()
    {
        var missing = Path.Combine(_root, "no-such-corpus");

        var run = await CommandRun.RunAsync(["demo", "--store", Path.Combine(_root, "store"), "--corpus", missing]);

        Assert.Equal(DistillCommandLine.Failure, run.ExitCode);
        Assert.Equal($"distill demo: {missing}: no such file or folder (--corpus)", run.Error.Trim());
    }

    [Fact]
    public async Task Demo_UnknownMethod_IsBadUsage()
    {
        var run = await CommandRun.RunAsync(["demo", "--store", Path.Combine(_root, "store"), "--method", "magic"]);

        Assert.Equal(DistillCommandLine.BadUsage, run.ExitCode);
        Assert.Contains("magic", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_HeadsThatDoNotDivideTheStudentWidth_IsBadUsageBeforeAnyWork()
    {
        var store = Path.Combine(_root, "store");

        var run = await CommandRun.RunAsync(["demo", "--store", store, "--heads", "4", "--teacher-hidden", "32", "--student-hidden", "30"]);

        Assert.Equal(DistillCommandLine.BadUsage, run.ExitCode);
        Assert.StartsWith("distill demo: the student cannot be built: ", run.Error, StringComparison.Ordinal);
        Assert.Contains("30", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(store));
    }

    [Fact]
    public void Corpus_TextFiles_BecomeOneParagraphPerLine()
    {
        var text = Path.Combine(_root, "LICENSE");
        File.WriteAllText(text, string.Concat(Enumerable.Repeat("Permission is granted\n   to copy \"this\".\n\n\nNo warranty.\n\n", 200)));

        var name = DemoCorpus.Write([text], Path.Combine(_root, "data"));
        var again = DemoCorpus.Write([text], Path.Combine(_root, "data"));

        var lines = File.ReadAllLines(Path.Combine(_root, "data", name));
        Assert.Equal(name, again);
        Assert.Matches("^corpus-[0-9a-f]{12}\\.jsonl$", name);
        Assert.Equal(400, lines.Length);
        Assert.Equal("""{"text": "Permission is granted to copy \"this\"."}""", lines[0]);
        Assert.Equal("""{"text": "No warranty."}""", lines[1]);
        Assert.Single(Directory.GetFiles(Path.Combine(_root, "data")));
    }

    private PretrainingOptions CopiedTeacherOptions()
    {
        var copy = Path.Combine(_root, "teacher");
        CopyFolder(demo.TeacherFolder, copy);
        var report = PretrainingJob.ReadReport(copy);
        return new DemoSettings
        {
            VocabSize = 300, TeacherLayers = 2, TeacherHidden = 32, Heads = 4, BlockSize = 16, BatchSize = 8, TeacherSteps = 20,
        }.TeacherOptions(report.Setup.Inputs[0], copy);
    }

    private static string Line(string output, string prefix) =>
        output.Split('\n').Select(l => l.TrimEnd()).Single(l => l.StartsWith(prefix, StringComparison.Ordinal))[prefix.Length..];

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
