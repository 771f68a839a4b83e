namespace Distill.Cli.Tests;

public sealed class HelpTests
{
    [Fact]
    public async Task Help_ListsEveryVerbWithItsDescription()
    {
        var run = await CommandRun.RunAsync(["--help"]);

        Assert.Equal(DistillCommandLine.Ok, run.ExitCode);
        foreach (var (verb, description) in new[]
        {
            ("demo", "Train a teacher, distil it into a student"),
            ("train-teacher", "Train a small model from scratch"),
            ("eval", "Evaluate a model"),
            ("generate", "Continue a prompt"),
            ("tokenize", "Print the token ids"),
            ("submit", "Upload a run folder"),
            ("watch", "Follow a run's events"),
            ("status", "Show the runs in the store"),
            ("up", "Run the pipeline locally"),
            ("worker", "Run stages from the target's stage queue"),
        })
        {
            Assert.Matches($@"(?m)^\s+{verb}\b.*\s{{2,}}{description}", run.Output);
        }
    }

    [Fact]
    public async Task Help_OfTrainTeacher_ShowsTheDefaults()
    {
        var run = await CommandRun.RunAsync(["train-teacher", "--help"]);

        Assert.Equal(DistillCommandLine.Ok, run.ExitCode);
        Assert.Contains("--vocab-size", run.Output, StringComparison.Ordinal);
        Assert.Contains("[default: 4096]", run.Output, StringComparison.Ordinal);
        Assert.Contains("--family", run.Output, StringComparison.Ordinal);
    }
}
