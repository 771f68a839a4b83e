namespace Distill.Cli.Tests;

/// <summary>What one in-process run of the `distill` command returned and printed.</summary>
internal sealed record CommandRun(int ExitCode, string Output, string Error)
{
    public static Task<CommandRun> RunAsync(string[] args, string standardInput = "") =>
        RunAsync(args, TestContext.Current.CancellationToken, standardInput);

    public static async Task<CommandRun> RunAsync(string[] args, CancellationToken cancellationToken, string standardInput = "")
    {
        using var input = new StringReader(standardInput);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await DistillCommandLine.RunAsync(args, input, output, error, cancellationToken);
        return new CommandRun(exitCode, output.ToString(), error.ToString());
    }
}
