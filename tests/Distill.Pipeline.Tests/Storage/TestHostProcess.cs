using System.Diagnostics;
using System.Text;

namespace Distill.Pipeline.Tests.Storage;

/// <summary>One run of Distill.Pipeline.TestHost (copied next to the tests by the project reference) as a separate process.</summary>
internal sealed class TestHostProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _errors = new();

    private TestHostProcess(Process process)
    {
        _process = process;
    }

    public static TestHostProcess Start(params string[] args)
    {
        // The dotnet CLI tells the processes it starts where it is; otherwise take the one on PATH.
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath ? hostPath : "dotnet";
        var info = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Join(AppContext.BaseDirectory, "Distill.Pipeline.TestHost.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {dotnet}");
        var host = new TestHostProcess(process);
        process.ErrorDataReceived += (_, e) =>
        {
            lock (host._errors)
            {
                host._errors.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>Waits for the "ready" line the host prints before it waits for the go file.</summary>
    public async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        var line = await _process.StandardOutput.ReadLineAsync(cancellationToken);
        Assert.True(line == "ready", $"the test host printed '{line}' instead of 'ready'; stderr: {Errors}");
    }

    /// <summary>The lines the host prints after "ready", once it has exited with code 0.</summary>
    public async Task<List<string>> CompleteAsync(CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        while (await _process.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
        {
            lines.Add(line);
        }
        await _process.WaitForExitAsync(cancellationToken);
        Assert.True(_process.ExitCode == 0, $"the test host exited with {_process.ExitCode}; stderr: {Errors}");
        return lines;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }

    private string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }
}
