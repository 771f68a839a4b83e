using System.CommandLine;
using Distill.Cli.Commands;

namespace Distill.Cli;

/// <summary>The `distill` command: verbs, parsing and exit codes (0 ok, 1 failure, 2 bad usage).</summary>
public static class DistillCommandLine
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int BadUsage = 2;

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Distill: compress a language model into a smaller one by knowledge distillation.")
        {
            DemoCommand.Create(),
        };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await Console.Error.WriteLineAsync($"distill: {error.Message}").ConfigureAwait(false);
            }
            await Console.Error.WriteLineAsync("Run 'distill --help' for usage.").ConfigureAwait(false);
            return BadUsage;
        }
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };
        try
        {
            return await parsed.InvokeAsync(cancellationToken: cancellation.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("distill: cancelled").ConfigureAwait(false);
            return Failure;
        }
    }
}
