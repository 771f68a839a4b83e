using Distill.Pipeline.Local;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Distill.Runner.Hosting;

/// <summary>
/// The runner executable: <c>Distill.Runner [--store PATH] [--runner-id ID] [--folder PATH] [--once] [--idle-exit SECONDS]</c>,
/// each also from the environment (<c>DISTILL_STORE</c>, <c>DISTILL_RUNNER_ID</c>, <c>DISTILL_RUNNER_FOLDER</c>,
/// <c>DISTILL_RUNNER_IDLE_EXIT</c>). Logs to standard error. SIGTERM and Ctrl+C stop it cleanly: the stage in progress
/// checkpoints and goes back to the queue. Exit codes: 0 stopped, 1 failed, 2 bad usage.
/// </summary>
public static class RunnerProgram
{
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (!RunnerArguments.TryParse(args, Environment.GetEnvironmentVariable, out var arguments, out var error))
        {
            await Console.Error.WriteLineAsync($"Distill.Runner: {error}").ConfigureAwait(false);
            await Console.Error.WriteLineAsync(RunnerArguments.Usage).ConfigureAwait(false);
            return 2;
        }
        using var loggers = LoggerFactory.Create(builder => builder
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.IncludeScopes = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                o.UseUtcTimestamp = true;
            })
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .SetMinimumLevel(LogLevel.Information));
        using var signals = new ShutdownSignals();
        try
        {
            var store = LocalStore.ResolvePath(arguments.Store);
            var options = LocalWorker.Options(store, arguments.RunnerId, arguments.Folder);
            // A runner named by the operator keeps its cache for its next start; one named after its process never returns.
            var keepFolder = arguments.RunnerId is not null || arguments.Folder is not null;
            await LocalWorker.RunAsync(store, options, arguments.Once, arguments.IdleExit, keepFolder, loggers, null, signals.Token).ConfigureAwait(false);
            return 0;
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"Distill.Runner: {e.Message}").ConfigureAwait(false);
            return 2;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Distill.Runner: {e.Message}")).ConfigureAwait(false);
            return 1;
        }
    }
}
