using System.Diagnostics;

namespace Distill.Runner.Tests.Reliability;

/// <summary>
/// The runner executable (<c>dotnet Distill.Runner.dll --store … --runner-id …</c>, built next to the tests by the project
/// reference) as a separate OS process on a local store, its log lines (standard error) kept for the test to read.
/// Disposing kills it if it still runs.
/// </summary>
internal sealed class RunnerProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _log = [];

    private RunnerProcess(string runnerId, Process process)
    {
        RunnerId = runnerId;
        _process = process;
    }

    public string RunnerId { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Every log line written so far.</summary>
    public IReadOnlyList<string> Log
    {
        get
        {
            lock (_log)
            {
                return [.. _log];
            }
        }
    }

    /// <summary>Starts a runner named <paramref name="runnerId"/> on <paramref name="store"/>, with one libtorch thread.</summary>
    public static RunnerProcess Start(string store, string runnerId, params string[] extraArguments)
    {
        var runner = Path.Join(AppContext.BaseDirectory, "Distill.Runner.dll");
        Assert.True(File.Exists(runner), $"{runner} is missing; the test project references the runner so that it is built next to the tests");
        var start = new ProcessStartInfo(DotnetExecutable())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // --idle-exit: a runner the test could not kill (its process died first) ends by itself.
        foreach (var argument in (string[])[runner, "--store", store, "--runner-id", runnerId, "--idle-exit", "120", .. extraArguments])
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["DISTILL_THREADS"] = "1";
        var process = new Process { StartInfo = start };
        var result = new RunnerProcess(runnerId, process);
        DataReceivedEventHandler keep = (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (result._log)
                {
                    result._log.Add(e.Data);
                }
            }
        };
        process.OutputDataReceived += keep;
        process.ErrorDataReceived += keep;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return result;
    }

    /// <summary>Kills the process with SIGKILL, as a crash would (nothing runs in it afterwards), and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>The log, for a failure message.</summary>
    public string Describe() => $"runner {RunnerId} ({(HasExited ? $"exited with {_process.ExitCode}" : "running")}):\n  " + string.Join("\n  ", Log);

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
        _process.Dispose();
    }

    private static string DotnetExecutable() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}
