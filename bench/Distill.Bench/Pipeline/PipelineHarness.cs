using System.Collections.Concurrent;
using System.Diagnostics;
using Distill.Contracts.Events;
using Distill.Pipeline.Events;
using Distill.Pipeline.Local;
using Distill.Pipeline.Uploads;
using Distill.Runner;
using Distill.Runner.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Distill.Bench.Pipeline;

/// <summary>
/// The embedded pipeline in one process, as <c>distill up</c> and <c>distill worker</c> run it: a <see cref="LocalStore"/>
/// in a folder, the <see cref="LocalHandlerHost"/> and one <see cref="StageWorker"/> with the default options and the
/// stock executors, each timed by a <see cref="TimedExecutor"/>. <see cref="RunAsync"/> submits a run folder as
/// <c>distill submit</c> does and waits for its outcome.
/// </summary>
public sealed class PipelineHarness : IAsyncDisposable
{
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(200);

    private readonly LocalStore _store;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<(string RunId, string Stage), double> _executorSeconds = new();
    private readonly Task _handlers;
    private readonly Task _worker;

    private PipelineHarness(LocalStore store)
    {
        _store = store;
        var host = new LocalHandlerHost(store, NullLoggerFactory.Instance);
        var options = LocalWorker.Options(store.Root, "bench-runner");
        var worker = new StageWorker(store.Bus, store.Blobs, options, store.Time, NullLogger<StageWorker>.Instance, null, TimedExecutor.WrapAll(_executorSeconds));
        _handlers = Task.Run(() => host.RunAsync(_stop.Token));
        _worker = Task.Run(() => worker.RunAsync(cancellationToken: _stop.Token));
    }

    public static async Task<PipelineHarness> StartAsync(string storeFolder, CancellationToken cancellationToken) =>
        new(await LocalStore.OpenAsync(storeFolder, TimeProvider.System, cancellationToken).ConfigureAwait(false));

    /// <summary>Submits <paramref name="runFolder"/> (upload, then the notification) and waits for distill.pipeline.completed.</summary>
    /// <exception cref="PipelineBenchException">The run failed, or did not finish within <paramref name="timeout"/>.</exception>
    public async Task<RunTimeline> RunAsync(string runFolder, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var plan = UploadClient.Check(runFolder);
        var runId = UploadClient.NewUploadId(plan.Manifest.Name ?? "run", _store.Time.GetUtcNow());
        var uploadClock = Stopwatch.StartNew();
        var upload = await new UploadClient(_store.Blobs, _store.Time).UploadAsync(plan, runId, null, cancellationToken).ConfigureAwait(false);
        var uploadSeconds = uploadClock.Elapsed.TotalSeconds;
        var notifiedAt = _store.Time.GetUtcNow();
        await UploadClient.NotifyAsync(_store.Bus, upload, _store.BlobsUri, cancellationToken).ConfigureAwait(false);

        var log = new RunEventLog(_store.Blobs, runId);
        var events = new List<CloudEventEnvelope>();
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (_handlers.IsCompleted || _worker.IsCompleted)
            {
                await Task.WhenAll(_handlers, _worker).ConfigureAwait(false);
                throw new PipelineBenchException($"run {runId}: the handlers or the worker stopped before the run finished");
            }
            events.AddRange(await log.ReadNewAsync(null, cancellationToken).ConfigureAwait(false));
            if (events.FirstOrDefault(e => e.Type == DistillEventTypes.PipelineFailed) is { } failed)
            {
                var data = DistillEvents.ReadData<PipelineFailed>(failed);
                throw new PipelineBenchException($"run {runId} failed at {data.FailedStage ?? "acceptance"}: {string.Join("; ", data.Reasons)}");
            }
            if (events.Any(e => e.Type == DistillEventTypes.PipelineCompleted))
            {
                break;
            }
            if (waited.Elapsed > timeout)
            {
                throw new PipelineBenchException($"run {runId} did not finish within {timeout.TotalMinutes:F0} minutes (events so far: {string.Join(", ", events.Select(e => e.Type))})");
            }
            await Task.Delay(s_pollInterval, cancellationToken).ConfigureAwait(false);
        }
        var executors = _executorSeconds.Where(p => p.Key.RunId == runId).ToDictionary(p => p.Key.Stage, p => p.Value, StringComparer.Ordinal);
        return new RunTimeline(runId, uploadSeconds, notifiedAt, events, executors);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_handlers, _worker).ConfigureAwait(false);
        }
        finally
        {
            await _store.DisposeAsync().ConfigureAwait(false);
            _stop.Dispose();
        }
    }
}
