namespace Distill.Cli.Tests;

/// <summary>What one in-process run of the `distill` command returned and printed.</summary>
internal sealed record CommandRun(int ExitCode, string Output, string Error)
{
    public static async Task<CommandRun> RunAsync(string[] args, string standardInput = "")
    {
        using var input = new StringReader(standardInput);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await DistillCommandLine.RunAsync(args, input, output, error, TestContext.Current.CancellationToken);
        return new CommandRun(exitCode, output.ToString(), error.ToString());
    }
}
