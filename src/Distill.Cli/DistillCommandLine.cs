using System.CommandLine;
using System.Runtime.InteropServices;
using Distill.Cli.Commands;

namespace Distill.Cli;

/// <summary>The `distill` command: verbs, parsing and exit codes (0 ok, 1 failure, 2 bad usage).</summary>
public static class DistillCommandLine
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int BadUsage = 2;

    /// <summary>Runs the command on the process's console; Ctrl+C cancels.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // The first Ctrl+C asks the verb to stop cleanly (a training saves its checkpoint); a second one ends the process.
            e.Cancel = !cancellation.IsCancellationRequested;
            cancellation.Cancel();
        };
        // SIGTERM (a container runtime stopping a runner, 'distill up' stopping its workers) the same way.
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = !cancellation.IsCancellationRequested;
            cancellation.Cancel();
        });
        return await RunAsync(args, Console.In, Console.Out, Console.Error, cancellation.Token).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs the command with the given standard streams: every verb writes to <paramref name="output"/> and
    /// <paramref name="error"/> (progress bars and colours only when they are a terminal).
    /// </summary>
    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var root = new RootCommand("Distill: compress a language model into a smaller one by knowledge distillation.")
        {
            DemoCommand.Create(),
            TrainTeacherCommand.Create(),
            EvalCommand.Create(),
            GenerateCommand.Create(),
            TokenizeCommand.Create(input),
            CompareCommand.Create(),
            SubmitCommand.Create(),
            WatchCommand.Create(),
            StatusCommand.Create(),
            UpCommand.Create(),
            WorkerCommand.Create(),
        };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var parseError in parsed.Errors)
            {
                await error.WriteLineAsync($"distill: {parseError.Message}").ConfigureAwait(false);
            }
            await error.WriteLineAsync("Run 'distill --help' for usage.").ConfigureAwait(false);
            return BadUsage;
        }
        try
        {
            // Ctrl+C is handled by the caller's token (RunAsync(args) cancels it): training then saves a checkpoint,
            // which System.CommandLine's own handler, with its 2 s timeout, would cut short.
            // Exceptions reach the handlers below (System.CommandLine's own handler would hide a cancellation).
            var configuration = new InvocationConfiguration
            {
                Output = output,
                Error = error,
                ProcessTerminationTimeout = null,
                EnableDefaultExceptionHandler = false,
            };
            return await parsed.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("distill: cancelled").ConfigureAwait(false);
            return Failure;
        }
        catch (Exception e)
        {
            // Any other exception is a bug: reported with its stack as a failure, as System.CommandLine's handler did.
            await error.WriteLineAsync($"distill: unexpected error: {e}").ConfigureAwait(false);
            return Failure;
        }
    }
}
