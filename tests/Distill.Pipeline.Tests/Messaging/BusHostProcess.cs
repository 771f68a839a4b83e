using System.Diagnostics;
using System.Threading.Channels;
using Distill.TestSupport;

namespace Distill.Pipeline.Tests.Messaging;

/// <summary>
/// Distill.Pipeline.TestHost running (its bus-* commands) as a separate OS process (started with <c>dotnet</c>), its standard
/// output readable line by line. Disposing kills it if it still runs.
/// </summary>
internal sealed class BusHostProcess : IDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _errors = [];

    private BusHostProcess(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

    public static BusHostProcess Start(params string[] arguments)
    {
        var host = Path.Combine(AppContext.BaseDirectory, "Distill.Pipeline.TestHost.dll");
        Assert.True(File.Exists(host), $"{host} is missing; the test project references the host project so that it is built next to the tests");
        var start = new ProcessStartInfo(DotnetExecutable())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(host);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        var process = new Process { StartInfo = start };
        var result = new BusHostProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                result._lines.Writer.TryComplete();
            }
            else
            {
                result._lines.Writer.TryWrite(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (result._errors)
                {
                    result._errors.Add(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return result;
    }

    /// <summary>The next line the process writes, failing the test when none comes in time.</summary>
    public async Task<string> ReadLineAsync(TimeSpan timeout)
    {
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cancellation.CancelAfter(timeout);
        try
        {
            if (await _lines.Reader.WaitToReadAsync(cancellation.Token) && _lines.Reader.TryRead(out var line))
            {
                return line;
            }
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            Assert.Fail($"bus host {Id} wrote nothing for {timeout}; its errors: {Errors()}");
        }
        Assert.Fail($"bus host {Id} ended its output (exit code {(_process.HasExited ? _process.ExitCode : -1)}); its errors: {Errors()}");
        return "";
    }

    /// <summary>Waits for the process to exit and returns every line it wrote that was not read yet.</summary>
    public async Task<List<string>> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cancellation.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            Assert.Fail($"bus host {Id} did not exit within {timeout}; its errors: {Errors()}");
        }
        Assert.True(_process.ExitCode == 0, $"bus host {Id} exited with {_process.ExitCode}; its errors: {Errors()}");
        var lines = new List<string>();
        await foreach (var line in _lines.Reader.ReadAllAsync(TestContext.Current.CancellationToken))
        {
            lines.Add(line);
        }
        return lines;
    }

    /// <summary>Kills the process with SIGKILL, as a crash would, and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync(TestContext.Current.CancellationToken);
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
        _process.Dispose();
    }

    private string Errors()
    {
        lock (_errors)
        {
            return _errors.Count == 0 ? "none" : string.Join(" | ", _errors);
        }
    }

    private static string DotnetExecutable() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}
