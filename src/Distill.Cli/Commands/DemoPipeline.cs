using System.Text.Json;
using Distill.Contracts.Events;
using Distill.Contracts.Runs;
using Distill.Pipeline.Events;
using Distill.Pipeline.Local;
using Distill.Pipeline.Storage;
using Distill.Pipeline.Uploads;
using Distill.Runner.Hosting;
using Microsoft.Extensions.Logging;

namespace Distill.Cli.Commands;

/// <summary>
/// The pipeline for one demo run, in this process: the handlers (<see cref="LocalHandlerHost"/>) and one runner
/// (<see cref="LocalWorker"/>, a stage worker on the same store) start; the run folder is submitted as `distill submit`
/// does it (<see cref="UploadClient"/>, pipeline.json last, then the upload notification); the run's events are followed
/// until it completes or fails; then the handlers and the runner stop.
/// </summary>
internal sealed class DemoPipeline(LocalStore store, ILoggerFactory loggers)
{
    /// <summary>How often the run's events are read.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(300);

    /// <summary>The least time between two progress events of a stage (the default runner's 10 s is too slow to watch).</summary>
    public static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);

    /// <summary>Submits <paramref name="plan"/> and runs the pipeline until the run completes or fails.</summary>
    /// <returns>The run's outcome event: <see cref="PipelineCompleted"/> or <see cref="PipelineFailed"/>.</returns>
    public async Task<(string RunId, DistillEventData Outcome)> RunAsync(UploadPlan plan, IDemoProgress progress, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var options = LocalWorker.Options(store.Root) with { ProgressInterval = ProgressInterval, ReceiveWait = TimeSpan.FromSeconds(1) };
        var handlers = Task.Run(() => new LocalHandlerHost(store, loggers).RunAsync(stop.Token), CancellationToken.None);
        var runner = Task.Run(() => LocalWorker.RunAsync(store.Root, options, once: false, idleExit: null, keepFolder: false, loggers, activity: null, stop.Token),
            CancellationToken.None);
        string? runId = null;
        var finished = false;
        try
        {
            runId = UploadClient.NewUploadId(plan.Manifest.Name ?? "demo", store.Time.GetUtcNow());
            var upload = await new UploadClient(store.Blobs, store.Time).UploadAsync(plan, runId, progress.Upload, cancellationToken).ConfigureAwait(false);
            await UploadClient.NotifyAsync(store.Bus, upload, store.BlobsUri, cancellationToken).ConfigureAwait(false);
            progress.Submitted(runId, upload);
            var outcome = await FollowAsync(runId, progress, handlers, runner, cancellationToken).ConfigureAwait(false);
            finished = true;
            return (runId, outcome);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            // Both loops end on the token; a fault they ended with was reported by FollowAsync, or matters less than the one in flight.
            await Task.WhenAll(handlers, runner).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (!finished && runId is not null)
            {
                await EndRunAsync(runId).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Fails a run the demo stopped following (Ctrl+C, an error), once its runner has stopped: its stage message, back
    /// in the queue, is then dropped by the next runner instead of resumed ahead of the next demo's run.
    /// </summary>
    private async Task EndRunAsync(string runId)
    {
        try
        {
            await store.CreateContext().Runs.UpdateAsync(runId,
                state => state.IsFinished ? state : state.FailRun(["the demo was stopped before the run finished"], store.Time.GetUtcNow()),
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or RunTransitionException or BlobStoreException or IOException)
        {
            // Not accepted yet, or finished meanwhile, or the store cannot be written: the run stays as it is.
        }
    }

    private async Task<DistillEventData> FollowAsync(string runId, IDemoProgress progress, Task handlers, Task runner, CancellationToken cancellationToken)
    {
        var log = new RunEventLog(store.Blobs, runId);
        var unreadable = new List<string>();
        while (true)
        {
            foreach (var cloudEvent in await log.ReadNewAsync(unreadable, cancellationToken).ConfigureAwait(false))
            {
                DistillEventData data;
                try
                {
                    data = DistillEvents.ReadData(cloudEvent);
                }
                catch (JsonException)
                {
                    continue;
                }
                progress.Event(cloudEvent);
                if (data is PipelineCompleted or PipelineFailed)
                {
                    return data;
                }
            }
            foreach (var (name, task) in new[] { ("the handlers", handlers), ("the runner", runner) })
            {
                if (task.IsCompleted)
                {
                    var why = task.Exception?.GetBaseException().Message ?? "it returned";
                    throw new DemoException($"{name} stopped before run {runId} finished: {why}", task.Exception?.GetBaseException());
                }
            }
            await Task.Delay(PollInterval, store.Time, cancellationToken).ConfigureAwait(false);
        }
    }
}
