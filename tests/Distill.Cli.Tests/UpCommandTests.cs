using System.Diagnostics;
using Distill.Cli.Commands;
using Distill.Contracts.Runs;
using Distill.Contracts.Stages;
using Microsoft.Extensions.Logging.Abstractions;

namespace Distill.Cli.Tests;

public sealed class UpCommandTests : IDisposable
{
    private readonly PipelineStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task Up_WithoutRunners_AcceptsASubmittedRunAndStopsCleanlyWhenCancelled()
    {
        var submitted = await CommandRun.RunAsync(["submit", _store.WriteRunFolder(), "--store", _store.StorePath, "--json"]);
        var runId = System.Text.Json.JsonDocument.Parse(submitted.Output).RootElement.GetProperty("runId").GetString()!;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(PipelineStore.Cancel);

        var up = CommandRun.RunAsync(["up", "--store", _store.StorePath, "--runners", "0"], stop.Token);
        RunState? state = null;
        await using (var store = await _store.OpenAsync())
        {
            for (var i = 0; i < 100 && state?.Stage(StageNames.Prepare).Status != StageStatus.Queued; i++)
            {
                await Task.Delay(200, PipelineStore.Cancel);
                state = (await store.CreateContext().Runs.ReadAsync(runId, PipelineStore.Cancel))?.State;
            }
        }
        await stop.CancelAsync();
        var run = await up.WaitAsync(TimeSpan.FromSeconds(30), PipelineStore.Cancel);

        Assert.Equal(RunStatus.Accepted, state?.Status);
        Assert.Equal(StageStatus.Queued, state?.Stage(StageNames.Prepare).Status);
        Assert.Equal(DistillCommandLine.Ok, run.ExitCode);
        Assert.Contains($"distill up: the pipeline on {_store.StorePath} with 0 runner(s)", run.Output, StringComparison.Ordinal);
        Assert.Matches($@"(?m)^\d\d:\d\d:\d\d info  \[{runId}\] Run {runId} \(tiny-kd\) accepted: prepare → distill → evaluate", run.Output);
        Assert.Contains("Handlers on", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void WorkerStartInfo_RunsTheWorkerVerbOfThisDistillOnTheStore()
    {
        var info = UpCommand.WorkerStartInfo("/data/store");

        Assert.Equal(["worker", "--store", "/data/store"], info.ArgumentList.Skip(1));
        Assert.EndsWith("distill.dll", info.ArgumentList[0], StringComparison.Ordinal);
        Assert.Equal("dotnet", Path.GetFileNameWithoutExtension(info.FileName));
    }

    [Fact]
    public async Task Supervisor_WorkerThatDies_IsRestarted()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "uses /bin/sh");
        var starts = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(PipelineStore.Cancel);
        var supervisor = new WorkerSupervisor(_ =>
        {
            if (Interlocked.Increment(ref starts) >= 3)
            {
                stop.Cancel();
            }
            return new ProcessStartInfo("/bin/sh", ["-c", "exit 3"]);
        }, 1, NullLogger.Instance, TimeProvider.System) { RestartDelay = TimeSpan.FromMilliseconds(20) };

        await supervisor.RunAsync(stop.Token).WaitAsync(TimeSpan.FromSeconds(30), PipelineStore.Cancel);

        Assert.True(starts >= 3);
    }

    [Fact]
    public async Task Supervisor_Cancelled_StopsWorkersThatKeepRunning()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "uses /bin/sh and SIGTERM");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(PipelineStore.Cancel);
        var supervisor = new WorkerSupervisor(
            index => new ProcessStartInfo("/bin/sh", ["-c", $"echo $$ > '{_store.Root}/worker-{index}.pid'; exec sleep 60"]),
            2, NullLogger.Instance, TimeProvider.System)
        {
            StopGrace = TimeSpan.FromMilliseconds(100),
        };

        var running = supervisor.RunAsync(stop.Token);
        var pidFiles = new[] { 1, 2 }.Select(i => Path.Combine(_store.Root, $"worker-{i}.pid")).ToList();
        for (var i = 0; i < 100 && !pidFiles.All(File.Exists); i++)
        {
            await Task.Delay(100, PipelineStore.Cancel);
        }
        var pids = pidFiles.Select(f => int.Parse(File.ReadAllText(f).Trim(), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var watch = Stopwatch.StartNew();
        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(20), PipelineStore.Cancel);

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"stopping took {watch.Elapsed}");
        Assert.All(pids, pid => Assert.False(IsRunning(pid), $"worker process {pid} is still running"));
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
