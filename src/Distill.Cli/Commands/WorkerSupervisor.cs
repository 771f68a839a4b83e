using System.ComponentModel;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Distill.Cli.Commands;

/// <summary>
/// Keeps N worker processes running for `distill up`: starts each, restarts one that exits (after a pause that grows
/// while it keeps dying quickly), and on cancellation stops them: a worker gets <see cref="StopGrace"/> to finish on its
/// own (a Ctrl+C in the terminal reaches it too), then SIGTERM and <see cref="TerminateGrace"/>, then it is killed.
/// </summary>
internal sealed partial class WorkerSupervisor(Func<int, ProcessStartInfo> startInfo, int count, ILogger logger, TimeProvider time)
{
    /// <summary>How long a stopping worker may take before it is sent SIGTERM.</summary>
    public TimeSpan StopGrace { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a worker may take after SIGTERM before it is killed.</summary>
    public TimeSpan TerminateGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The first pause before a restart; it doubles while workers die within <see cref="HealthyAfter"/>.</summary>
    public TimeSpan RestartDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRestartDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A worker that ran this long before exiting is restarted after the first pause again.</summary>
    public TimeSpan HealthyAfter { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Runs the workers until <paramref name="cancellationToken"/> is cancelled, then stops them and returns.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(1, count).Select(index => SuperviseAsync(index, cancellationToken)));

    private async Task SuperviseAsync(int index, CancellationToken cancellationToken)
    {
        var delay = RestartDelay;
        while (!cancellationToken.IsCancellationRequested)
        {
            var info = startInfo(index);
            Process? process = null;
            try
            {
                process = Process.Start(info);
            }
            catch (Win32Exception e)
            {
                LogStartFailed(logger, e, index, info.FileName, e.Message);
            }
            if (process is not null)
            {
                using (process)
                {
                    var started = time.GetUtcNow();
                    LogStarted(logger, index, process.Id, info.FileName, string.Join(' ', info.ArgumentList));
                    try
                    {
                        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                    {
                        await StopAsync(index, process).ConfigureAwait(false);
                        return;
                    }
                    if (time.GetUtcNow() - started >= HealthyAfter)
                    {
                        delay = RestartDelay;
                    }
                    LogExited(logger, index, process.Id, process.ExitCode, delay.TotalSeconds);
                }
            }
            try
            {
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            delay = delay * 2 > MaxRestartDelay ? MaxRestartDelay : delay * 2;
        }
    }

    private async Task StopAsync(int index, Process process)
    {
        if (await ExitsWithinAsync(process, StopGrace).ConfigureAwait(false))
        {
            LogStopped(logger, index, process.Id);
            return;
        }
        if (ProcessSignals.TryTerminate(process.Id) && await ExitsWithinAsync(process, TerminateGrace).ConfigureAwait(false))
        {
            LogStopped(logger, index, process.Id);
            return;
        }
        LogKilled(logger, index, process.Id);
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private async Task<bool> ExitsWithinAsync(Process process, TimeSpan grace)
    {
        using var timeout = new CancellationTokenSource(grace, time);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Runner {Index} started (pid {ProcessId}): {FileName} {Arguments}")]
    private static partial void LogStarted(ILogger logger, int index, int processId, string fileName, string arguments);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Runner {Index} (pid {ProcessId}) exited with code {ExitCode}; restarting it in {DelaySeconds} s")]
    private static partial void LogExited(ILogger logger, int index, int processId, int exitCode, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Runner {Index} could not be started ({FileName}): {Fault}")]
    private static partial void LogStartFailed(ILogger logger, Exception exception, int index, string fileName, string fault);

    [LoggerMessage(Level = LogLevel.Information, Message = "Runner {Index} (pid {ProcessId}) stopped")]
    private static partial void LogStopped(ILogger logger, int index, int processId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Runner {Index} (pid {ProcessId}) did not stop in time and was killed")]
    private static partial void LogKilled(ILogger logger, int index, int processId);
}
