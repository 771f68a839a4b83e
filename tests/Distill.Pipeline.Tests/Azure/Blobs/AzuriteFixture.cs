using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Distill.Pipeline.Azure.Blobs;
using Distill.TestSupport;

namespace Distill.Pipeline.Tests.Azure.Blobs;

/// <summary>
/// One Azurite blob service (the npm package eng/test.sh installs) for the test classes of
/// <see cref="AzuriteTestGroup"/>: started on a free loopback port with a temporary folder, stopped (process tree
/// killed, folder removed) when they are done. Tests call <see cref="Require"/> first: without Azurite installed they
/// are skipped, or fail under DISTILL_REQUIRE_ALL=1.
/// </summary>
public sealed partial class AzuriteFixture : IAsyncLifetime
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);

    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Process? _process;
    private string? _location;
    private string? _startFailure;
    private Uri? _blobEndpoint;

    /// <summary>The azurite-blob launcher in the test tools' node_modules.</summary>
    public static string Launcher => Path.Combine(RepositoryPaths.NodeModules, ".bin", "azurite-blob");

    /// <summary>Azurite's blob endpoint, path style: <c>http://127.0.0.1:{port}/devstoreaccount1</c>.</summary>
    public Uri BlobEndpoint => _blobEndpoint ?? throw new InvalidOperationException("Azurite is not running; call Require first");

    /// <summary>The emulator account over Shared Key, read from a connection string as a user would give it.</summary>
    public AzureBlobStoreOptions Options => AzureBlobStoreOptions.FromConnectionString(
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AzureStorageConnectionString.DevelopmentAccountKey};BlobEndpoint={BlobEndpoint};");

    /// <summary>Skips the calling test when Azurite is not installed; fails it when Azurite is installed but did not start.</summary>
    public void Require()
    {
        ExternalTool.Require(File.Exists(Launcher), $"azurite (npm, expected at {Launcher})");
        if (_startFailure is not null)
        {
            Assert.Fail(_startFailure);
        }
    }

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(Launcher))
        {
            return;
        }
        _location = Directory.CreateTempSubdirectory("distill-azurite-").FullName;
        var info = new ProcessStartInfo(Launcher)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Port 0: the operating system picks a free port, which Azurite prints.
        foreach (var arg in (string[])["--blobHost", "127.0.0.1", "--blobPort", "0", "--location", _location, "--silent", "--disableTelemetry"])
        {
            info.ArgumentList.Add(arg);
        }
        var stopwatch = Stopwatch.StartNew();
        try
        {
            _process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {Launcher}");
            _process.OutputDataReceived += (_, e) => OnOutput(e.Data);
            _process.ErrorDataReceived += (_, e) => OnOutput(e.Data);
            _process.EnableRaisingEvents = true;
            _process.Exited += (_, _) => _listening.TrySetException(new InvalidOperationException($"azurite-blob exited with code {_process.ExitCode}"));
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            var endpoint = await _listening.Task.WaitAsync(s_startTimeout);
            _blobEndpoint = new Uri(endpoint, AzureStorageConnectionString.DevelopmentAccountName);
            StartupTime = stopwatch.Elapsed;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            _startFailure = $"Azurite did not start: {e.Message}; its output: {Output}";
        }
    }

    /// <summary>How long Azurite took from launch to listening.</summary>
    public TimeSpan StartupTime { get; private set; }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
            await _process.WaitForExitAsync();
            _process.Dispose();
        }
        if (_location is not null && Directory.Exists(_location))
        {
            Directory.Delete(_location, recursive: true);
        }
    }

    private string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
        // "Azurite Blob service successfully listens on http://127.0.0.1:37429"
        if (ListeningLine().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(new Uri(match.Groups[1].Value + "/"));
        }
    }

    [GeneratedRegex(@"successfully listens on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}
