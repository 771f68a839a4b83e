using System.CommandLine;
using Distill.Bench.Engine;
using Distill.Bench.Training;

namespace Distill.Bench;

/// <summary>The `distill-bench` command: one verb per benchmark suite; exit codes 0 ok, 1 failure, 2 bad usage.</summary>
public static class BenchCommandLine
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int BadUsage = 2;

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Distill benchmarks: each suite runs Distill and a PyTorch peer in one run and prints them side by side.")
        {
            EngineCommand.Create(),
            TrainingCommand.Create(),
        };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await Console.Error.WriteLineAsync($"distill-bench: {error.Message}").ConfigureAwait(false);
            }
            await Console.Error.WriteLineAsync("Run 'distill-bench --help' for usage.").ConfigureAwait(false);
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
            await Console.Error.WriteLineAsync("distill-bench: cancelled").ConfigureAwait(false);
            return Failure;
        }
    }
}
