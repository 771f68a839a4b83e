using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Distill.Bench.Peers;

/// <summary>
/// A PyTorch peer script running in its own process: one JSON request per line on its stdin, one JSON reply per line
/// on its stdout. The peer idles, blocked on stdin, while Distill's side of a case runs, so the two never compete
/// for the cores.
/// </summary>
public sealed class PeerProcess : IDisposable
{
    private const int StderrLimit = 8_000;

    private readonly Process _process;
    private readonly string _script;
    private readonly StringBuilder _stderr = new();
    private readonly Lock _stderrGate = new();

    private PeerProcess(Process process, string script)
    {
        _process = process;
        _script = script;
    }

    /// <summary>Starts <paramref name="script"/> with <paramref name="python"/>; the peer inherits this process's environment.</summary>
    public static PeerProcess Start(string python, string script)
    {
        ArgumentNullException.ThrowIfNull(python);
        ArgumentNullException.ThrowIfNull(script);
        if (!File.Exists(python))
        {
            throw new PeerException($"the PyTorch peer needs {python} (Debian's python3 with python3-torch); run ./eng/setup.sh --bench or pass --python");
        }
        if (!File.Exists(script))
        {
            throw new PeerException($"the peer script {script} is missing; rebuild bench/Distill.Bench");
        }
        var info = new ProcessStartInfo(python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add("-u");
        info.ArgumentList.Add(script);
        var process = new Process { StartInfo = info };
        var peer = new PeerProcess(process, script);
        process.ErrorDataReceived += (_, e) => peer.AppendStderr(e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            process.Dispose();
            throw new PeerException($"could not start {python} {script}: {e.Message}", e);
        }
        process.BeginErrorReadLine();
        return peer;
    }

    /// <summary>Sends one request and waits for its reply; a reply carrying "error" becomes a <see cref="PeerException"/>.</summary>
    public JsonObject Call(JsonObject request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = request["case"]?.ToString() ?? "?";
        string? line;
        try
        {
            _process.StandardInput.WriteLine(request.ToJsonString());
            _process.StandardInput.Flush();
            line = _process.StandardOutput.ReadLine();
        }
        catch (IOException e)
        {
            throw Died(name, e);
        }
        if (line is null)
        {
            throw Died(name, null);
        }
        JsonObject? reply;
        try
        {
            reply = JsonNode.Parse(line) as JsonObject;
        }
        catch (JsonException e)
        {
            throw new PeerException($"the PyTorch peer ({_script}) answered case '{name}' with a line that is not JSON: {Truncate(line)}", e);
        }
        if (reply is null)
        {
            throw new PeerException($"the PyTorch peer ({_script}) answered case '{name}' with JSON that is not an object: {Truncate(line)}");
        }
        if (reply["error"] is { } error)
        {
            throw new PeerException($"the PyTorch peer ({_script}) failed on case '{name}': {error}");
        }
        return reply;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                // End of input ends the peer's loop; a peer stuck in a case is killed.
                _process.StandardInput.Close();
                if (!_process.WaitForExit(TimeSpan.FromSeconds(5)))
                {
                    _process.Kill(entireProcessTree: true);
                }
            }
        }
        catch (InvalidOperationException)
        {
            // The process never started or is already gone.
        }
        _process.Dispose();
    }

    private PeerException Died(string name, Exception? inner)
    {
        _process.WaitForExit(TimeSpan.FromSeconds(5));
        var code = _process.HasExited ? _process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : "unknown";
        string stderr;
        lock (_stderrGate)
        {
            stderr = _stderr.ToString().Trim();
        }
        var message = $"the PyTorch peer ({_script}) exited (code {code}) during case '{name}'" +
            (stderr.Length > 0 ? $"; its stderr:\n{stderr}" : "");
        return inner is null ? new PeerException(message) : new PeerException(message, inner);
    }

    private void AppendStderr(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_stderrGate)
        {
            if (_stderr.Length < StderrLimit)
            {
                _stderr.AppendLine(line);
            }
        }
    }

    private static string Truncate(string line) => line.Length <= 200 ? line : line[..200] + "…";
}
