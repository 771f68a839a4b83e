using System.Globalization;
using System.Text.Json;
using Distill.Contracts.Events;
using Distill.Contracts.Manifests;
using Distill.Contracts.Runs;
using Distill.Contracts.Stages;
using Distill.Contracts.Storage;
using Distill.Pipeline;
using Distill.Pipeline.Events;
using Distill.Pipeline.Messaging;
using Distill.Pipeline.Runs;
using Distill.Pipeline.Storage;
using Distill.Runner.Stages;
using Distill.Runner.Storage;
using Distill.Torch;
using Microsoft.Extensions.Logging;

namespace Distill.Runner;

/// <summary>
/// A competing consumer of the <see cref="PipelineTopology.StagesQueue"/>: receives a stage command, takes the stage's
/// lease, runs the stage's executor (resuming from the stage's newest checkpoint), and settles the message. Several
/// workers in separate processes share the queue; the lease makes sure only one trains a stage.
/// </summary>
/// <remarks>
/// <para>For each message:</para>
/// <list type="number">
/// <item>A body that is not a stage command is abandoned at once, every delivery, until the bus dead-letters it (it
/// stays in the dead-letter queue for an operator; nothing else can be done with it).</item>
/// <item>A command for a run without state, a finished run, a superseded attempt, or a stage already done is completed
/// without work (a completed stage's stage.completed is published again, in case the first publication was lost).</item>
/// <item>The lease on <c>runs/{runId}/stages/{stage}/lease</c> is taken; when another runner holds it the message is
/// abandoned for <see cref="StageWorkerOptions.BusyRedeliveryDelay"/> (by then the stage is done, or its runner died and
/// the lease expired).</item>
/// <item>The manifest is read from the upload and its SHA-256 compared with the command's; the stage starts in the run
/// state (runner id), stage.started is published, and the lock and lease are renewed in the background.</item>
/// <item>The executor runs; training progress becomes throttled stage.progress events and checkpoint records.</item>
/// <item>Done: the state records the metrics and artifacts, stage.completed is published, the message completed and the
/// lease released. Bad input (<see cref="StageFailures"/>): stage.failed with the reasons, the message completed (never
/// retried). Anything unexpected: the message is abandoned for <see cref="StageWorkerOptions.TransientRedeliveryDelay"/>
/// (the bus dead-letters it after its maximum deliveries, and the pipeline fails the run). Shutdown: the trainer saves
/// a checkpoint, the message is abandoned at once for another runner. Lost lock or lease: stop at once, writing and
/// publishing nothing more.</item>
/// </list>
/// <para>Training uses process-wide random generators: run one worker per process.</para>
/// </remarks>
public sealed partial class StageWorker
{
    private readonly IMessageBus _bus;
    private readonly IBlobStore _blobs;
    private readonly StageWorkerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action<WorkerActivity>? _activity;
    private readonly IReadOnlyDictionary<string, IStageExecutor> _executors;
    private readonly PipelineEventPublisher _events;
    private readonly RunStateStore _states;
    private readonly BlobFolderCache _cache;

    /// <param name="activity">Told of every message received, stage started, progress published and message settled (for a console).</param>
    /// <param name="executors">The stage executors by stage name; <see cref="StageExecutors.Create"/> when null.</param>
    public StageWorker(IMessageBus bus, IBlobStore blobs, StageWorkerOptions options, TimeProvider time, ILogger<StageWorker> logger,
        Action<WorkerActivity>? activity = null, IReadOnlyDictionary<string, IStageExecutor>? executors = null)
    {
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        _bus = bus;
        _blobs = blobs;
        _options = options;
        _time = time;
        _logger = logger;
        _activity = activity;
        _executors = executors ?? StageExecutors.Create();
        _events = new PipelineEventPublisher(bus, blobs, time);
        _states = new RunStateStore(blobs);
        _cache = new BlobFolderCache(blobs, Path.Join(options.Folder, "cache"));
    }

    public StageWorkerOptions Options => _options;

    /// <summary>The runner's download cache (kept between stages).</summary>
    public BlobFolderCache Cache => _cache;

    private string WorkRoot => Path.Join(_options.Folder, "work");

    /// <summary>
    /// Processes stage messages until <paramref name="cancellationToken"/> is cancelled (a stage in progress stops
    /// cleanly: checkpoint, message abandoned for another runner, lease released), after one message when
    /// <paramref name="once"/>, or after <paramref name="idleExit"/> without a message. Returns the messages processed.
    /// </summary>
    public async Task<int> RunAsync(bool once = false, TimeSpan? idleExit = null, CancellationToken cancellationToken = default)
    {
        await _blobs.CreateContainerIfNotExistsAsync(BlobPaths.RunsContainer, cancellationToken).ConfigureAwait(false);
        LogWorkerStarted(_logger, _options.RunnerId, _options.Folder);
        var processed = 0;
        var idleSince = _time.GetTimestamp();
        while (!cancellationToken.IsCancellationRequested)
        {
            var wait = _options.ReceiveWait;
            if (idleExit is { } limit)
            {
                var left = limit - _time.GetElapsedTime(idleSince);
                wait = left <= TimeSpan.Zero ? TimeSpan.Zero : left < wait ? left : wait;
            }
            StageOutcome? outcome;
            try
            {
                outcome = await ProcessNextAsync(wait, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is MessagingException { Reason: MessagingErrorReason.General } or System.Data.Common.DbException or IOException)
            {
                // The bus is unavailable for a moment (a busy database, a network fault): try again shortly.
                LogReceiveFailed(_logger, e);
                await Task.Delay(TimeSpan.FromSeconds(1), _time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }
            if (outcome is null)
            {
                if (idleExit is { } idle && _time.GetElapsedTime(idleSince) >= idle)
                {
                    break;
                }
                continue;
            }
            processed++;
            idleSince = _time.GetTimestamp();
            if (once)
            {
                break;
            }
        }
        LogWorkerStopped(_logger, _options.RunnerId, processed);
        return processed;
    }

    /// <summary>Receives one stage message (waiting up to <paramref name="maxWait"/>) and processes it; null when none came.</summary>
    public async Task<StageOutcome?> ProcessNextAsync(TimeSpan maxWait, CancellationToken cancellationToken)
    {
        var message = await _bus.ReceiveAsync(PipelineTopology.StagesQueue, maxWait, cancellationToken).ConfigureAwait(false);
        return message is null ? null : await ProcessAsync(message, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Processes one received stage message to its settlement; <paramref name="shutdown"/> stops it cleanly.</summary>
    internal async Task<StageOutcome> ProcessAsync(ReceivedBusMessage message, CancellationToken shutdown)
    {
        if (ReadCommand(message, out var problem) is not { } command)
        {
            LogRejected(_logger, message.MessageId, message.DeliveryCount, problem);
            await SettleAsync(() => _bus.AbandonAsync(message, TimeSpan.Zero, CancellationToken.None)).ConfigureAwait(false);
            Report(new WorkerActivity
            {
                Time = _time.GetUtcNow(),
                Kind = WorkerActivityKind.Settled,
                MessageId = message.MessageId,
                Outcome = StageOutcome.Rejected,
                Message = $"not a stage command ({problem}); abandoned until the bus dead-letters it",
            });
            return StageOutcome.Rejected;
        }
        var scope = new StageScope(command.RunId, command.Stage, command.Attempt, message.MessageId);
        using var logScope = _logger.BeginScope("run {RunId} stage {Stage} attempt {Attempt}", command.RunId, command.Stage, command.Attempt);
        LogReceived(_logger, command.RunId, command.Stage, command.Attempt, message.DeliveryCount);
        Report(scope.Activity(_time, WorkerActivityKind.Received, string.Create(CultureInfo.InvariantCulture, $"delivery {message.DeliveryCount}")));
        var (outcome, text) = await ProcessCommandAsync(message, command, scope, shutdown).ConfigureAwait(false);
        Report(scope.Activity(_time, WorkerActivityKind.Settled, text, outcome));
        return outcome;
    }

    private async Task<(StageOutcome Outcome, string Message)> ProcessCommandAsync(ReceivedBusMessage message, RunStageCommand command, StageScope scope, CancellationToken shutdown)
    {
        // Before the lease: drop what needs no work, so a duplicate is answered even while another runner holds the stage.
        try
        {
            if (await StaleAsync(message, command, shutdown).ConfigureAwait(false) is { } stale)
            {
                return (StageOutcome.Duplicate, stale);
            }
        }
        catch (Exception e) when (IsHandled(e))
        {
            return await FailBeforeLeaseAsync(message, command, e, shutdown).ConfigureAwait(false);
        }

        StageGuard? guard;
        try
        {
            guard = await StageGuard.AcquireAsync(_bus, message, _blobs, command.RunId, command.Stage, _options, _time, _logger, shutdown).ConfigureAwait(false);
        }
        catch (Exception e) when (IsHandled(e))
        {
            return await FailBeforeLeaseAsync(message, command, e, shutdown).ConfigureAwait(false);
        }
        if (guard is null)
        {
            LogBusy(_logger, _options.BusyRedeliveryDelay);
            await SettleAsync(() => _bus.AbandonAsync(message, _options.BusyRedeliveryDelay, CancellationToken.None)).ConfigureAwait(false);
            return (StageOutcome.Busy, $"another runner holds the stage's lease; back on the queue in {Reports.MarkdownReport.FormatDuration(_options.BusyRedeliveryDelay)}");
        }
        await using (guard.ConfigureAwait(false))
        {
            return await RunStageAsync(message, command, scope, guard, shutdown).ConfigureAwait(false);
        }
    }

    private async Task<(StageOutcome, string)> RunStageAsync(ReceivedBusMessage message, RunStageCommand command, StageScope scope, StageGuard guard, CancellationToken shutdown)
    {
        var fence = guard.Fence;
        using var stageCancellation = CancellationTokenSource.CreateLinkedTokenSource(shutdown, fence.Token);
        var token = stageCancellation.Token;
        var work = Path.Join(WorkRoot, $"{command.RunId}-{command.Stage}-{command.Attempt.ToString(CultureInfo.InvariantCulture)}");
        StageProgressReporter? progress = null;
        var started = _time.GetTimestamp();
        try
        {
            // The lease is ours: look again, in case the stage finished while another runner held it.
            if (await StaleAsync(message, command, token).ConfigureAwait(false) is { } stale)
            {
                await guard.ReleaseAsync().ConfigureAwait(false);
                return (StageOutcome.Duplicate, stale);
            }
            var (manifest, state) = await ReadManifestAsync(command, token).ConfigureAwait(false);
            if (state.Stage(command.Stage).Status == StageStatus.Pending)
            {
                // The command went out before the state recorded it as queued; that write is on its way (or the
                // redeliveries run out and the run fails). Transient: try again later.
                throw new InvalidOperationException($"run '{command.RunId}' does not have stage '{command.Stage}' queued yet");
            }
            var device = ManifestTraining.ResolveDevice(manifest.Training.Device, TorchRuntime.CudaDeviceCount);
            var executor = _executors.TryGetValue(command.Stage, out var found)
                ? found
                : throw new StageInputException($"this runner has no executor for stage '{command.Stage}'");
            ResetFolder(work);
            var resumedFrom = (await new BlobCheckpointStore(_blobs, command.RunId, command.Stage, work, fence, _logger).ReadPointerAsync(token).ConfigureAwait(false))?.Step;

            await fence.ConfirmAsync("starting the stage", token).ConfigureAwait(false);
            RunState running;
            try
            {
                (_, running) = await _states.UpdateAsync(command.RunId, s => s.StartStage(command.Stage, command.Attempt, _options.RunnerId, _time.GetUtcNow()), token)
                    .ConfigureAwait(false);
            }
            catch (RunTransitionException e)
            {
                await guard.ReleaseAsync().ConfigureAwait(false);
                await SettleAsync(() => _bus.CompleteAsync(message, CancellationToken.None)).ConfigureAwait(false);
                LogDuplicate(_logger, e.Message);
                return (StageOutcome.Duplicate, $"without work: {e.Message}");
            }
            fence.ThrowIfTripped("publishing stage.started");
            await _events.PublishAsync(new StageStarted
            {
                RunId = command.RunId,
                Stage = command.Stage,
                Attempt = command.Attempt,
                Runner = _options.RunnerId,
                ResumedFromStep = resumedFrom,
            }, token).ConfigureAwait(false);
            if (resumedFrom is { } resumedStep)
            {
                LogResumed(_logger, _options.RunnerId, device.ToString(), resumedStep);
            }
            else
            {
                LogStarted(_logger, _options.RunnerId, device.ToString());
            }
            Report(scope.Activity(_time, WorkerActivityKind.Started, resumedFrom is { } step
                ? string.Create(CultureInfo.InvariantCulture, $"on {_options.RunnerId} ({device}), resuming from the checkpoint of step {step}")
                : $"on {_options.RunnerId} ({device})"));

            progress = new StageProgressReporter(scope, _events, _states, fence, _options.ProgressInterval, _time, _logger, _activity);
            var context = new StageContext(command, manifest, running, _blobs, _cache, fence, work, device, progress, _time, _logger);
            var result = await executor.RunAsync(context, token).ConfigureAwait(false);
            await progress.FlushAsync().ConfigureAwait(false);

            if (fence.IsTripped)
            {
                return await FencedAsync(message, fence).ConfigureAwait(false);
            }
            if (!result.Completed)
            {
                return await InterruptedAsync(message, guard, result.StoppedAtStep).ConfigureAwait(false);
            }
            await fence.ConfirmAsync("completing the stage", CancellationToken.None).ConfigureAwait(false);
            await _states.UpdateAsync(command.RunId, s => s.CompleteStage(command.Stage, command.Attempt, result.Metrics, result.Artifacts, _time.GetUtcNow()),
                CancellationToken.None).ConfigureAwait(false);
            fence.ThrowIfTripped("publishing stage.completed");
            await PublishCompletedAsync(command, result.Metrics, result.Artifacts).ConfigureAwait(false);
            await _bus.CompleteAsync(message, CancellationToken.None).ConfigureAwait(false);
            await guard.ReleaseAsync().ConfigureAwait(false);
            var elapsed = _time.GetElapsedTime(started);
            LogCompleted(_logger, elapsed.TotalSeconds);
            return (StageOutcome.Completed, $"in {Reports.MarkdownReport.FormatDuration(elapsed)}{Describe(result.Metrics)}");
        }
        catch (Exception e) when (IsHandled(e))
        {
            if (progress is not null)
            {
                await progress.FlushAsync().ConfigureAwait(false);
            }
            var failure = StageFailures.Classify(e, fence.IsTripped, shutdown.IsCancellationRequested, [_cache.Root, work]);
            return failure.Kind switch
            {
                StageFailureKind.Fenced => await FencedAsync(message, fence).ConfigureAwait(false),
                StageFailureKind.Interrupted => await InterruptedAsync(message, guard, null).ConfigureAwait(false),
                StageFailureKind.BadInput => await FailAsync(message, command, failure.Reasons, guard).ConfigureAwait(false),
                _ => await TransientAsync(message, e, guard).ConfigureAwait(false),
            };
        }
        finally
        {
            DeleteFolder(work);
        }
    }

    /// <summary>Why the command needs no work (null when it does), completing the message in that case.</summary>
    private async Task<string?> StaleAsync(ReceivedBusMessage message, RunStageCommand command, CancellationToken cancellationToken)
    {
        var versioned = await _states.ReadAsync(command.RunId, cancellationToken).ConfigureAwait(false);
        string? reason = null;
        StageState? completed = null;
        if (versioned is null)
        {
            reason = $"run '{command.RunId}' has no {BlobPaths.StateFileName}";
        }
        else if (!versioned.State.HasStage(command.Stage))
        {
            reason = $"run '{command.RunId}' has no stage '{command.Stage}'";
        }
        else if (versioned.State.IsStageCompleted(command.Stage, command.Attempt))
        {
            completed = versioned.State.Stage(command.Stage);
            reason = "the stage already completed this attempt";
        }
        else if (versioned.State.Stage(command.Stage) is { } stage && stage.Attempt > command.Attempt)
        {
            reason = string.Create(CultureInfo.InvariantCulture, $"attempt {command.Attempt} was superseded by attempt {stage.Attempt}");
        }
        else if (versioned.State.IsFinished)
        {
            reason = $"the run is {versioned.State.Status.ToString().ToLowerInvariant()}";
        }
        else if (versioned.State.Stage(command.Stage).Status is StageStatus.Completed or StageStatus.Failed)
        {
            reason = $"the stage is {versioned.State.Stage(command.Stage).Status.ToString().ToLowerInvariant()} at attempt {versioned.State.Stage(command.Stage).Attempt}";
        }
        if (reason is null)
        {
            return null;
        }
        if (completed is not null)
        {
            // The first runner may have stopped between recording the completion and publishing it: publish it again
            // (same event id, so subscribers that had it drop the repeat).
            await PublishCompletedAsync(command, completed.Metrics, completed.Artifacts).ConfigureAwait(false);
        }
        await _bus.CompleteAsync(message, CancellationToken.None).ConfigureAwait(false);
        LogDuplicate(_logger, reason);
        return $"without work: {reason}";
    }

    /// <summary>The manifest from the upload, checked against the command (and the command against the run), and the run state.</summary>
    private async Task<(PipelineManifest Manifest, RunState State)> ReadManifestAsync(RunStageCommand command, CancellationToken cancellationToken)
    {
        var state = (await _states.ReadAsync(command.RunId, cancellationToken).ConfigureAwait(false))?.State
            ?? throw new StageInputException($"run '{command.RunId}' has no {BlobPaths.StateFileName}");
        var location = BlobPaths.UploadManifest(command.RunId);
        byte[] bytes;
        try
        {
            var download = await _blobs.GetAsync(new BlobAddress(location.Container, location.Name), null, cancellationToken).ConfigureAwait(false);
            await using (download.ConfigureAwait(false))
            {
                using var buffer = new MemoryStream();
                await download.Content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                bytes = buffer.ToArray();
            }
        }
        catch (BlobStoreException e) when (e.Reason is BlobStoreErrorReason.NotFound or BlobStoreErrorReason.ContainerNotFound)
        {
            throw new StageInputException($"{location} is gone: the upload was deleted after the run was accepted", e);
        }
        var sha = PipelineManifest.Sha256(bytes);
        if (!string.Equals(sha, command.ManifestSha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new StageInputException($"{location} changed after the run was accepted: its SHA-256 is {sha}, the stage command has {command.ManifestSha256}; upload it under a new id to run it");
        }
        if (!string.Equals(command.ManifestSha256, state.ManifestSha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new StageInputException($"the stage command's manifest SHA-256 {command.ManifestSha256} is not the run's {state.ManifestSha256}");
        }
        var manifest = PipelineManifest.Parse(System.Text.Encoding.UTF8.GetString(bytes), location.ToString());
        manifest.ThrowIfInvalid(null, location.ToString());
        return (manifest, state);
    }

    private async Task PublishCompletedAsync(RunStageCommand command, IReadOnlyDictionary<string, double> metrics, IReadOnlyDictionary<string, string> artifacts) =>
        await _events.PublishAsync(new StageCompleted
        {
            RunId = command.RunId,
            Stage = command.Stage,
            Attempt = command.Attempt,
            Metrics = metrics,
            Artifacts = artifacts,
        }, CancellationToken.None).ConfigureAwait(false);

    /// <summary>Bad input: stage.failed with every reason, the message completed (never retried), the lease released.</summary>
    private async Task<(StageOutcome, string)> FailAsync(ReceivedBusMessage message, RunStageCommand command, IReadOnlyList<string> reasons, StageGuard? guard)
    {
        if (guard?.Fence.IsTripped == true)
        {
            return await FencedAsync(message, guard.Fence).ConfigureAwait(false);
        }
        LogFailed(_logger, string.Join("; ", reasons));
        try
        {
            await _events.PublishAsync(new StageFailed { RunId = command.RunId, Stage = command.Stage, Attempt = command.Attempt, Reasons = reasons }, CancellationToken.None)
                .ConfigureAwait(false);
            await _bus.CompleteAsync(message, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (IsHandled(e))
        {
            // stage.failed did not go out: a redelivery fails the stage again and publishes it.
            return await TransientAsync(message, e, guard).ConfigureAwait(false);
        }
        if (guard is not null)
        {
            await guard.ReleaseAsync().ConfigureAwait(false);
        }
        return (StageOutcome.Failed, string.Join("; ", reasons) + " (bad input, not retried)");
    }

    /// <summary>An error before the lease was taken: bad input fails the stage, shutdown and anything else abandon the message.</summary>
    private async Task<(StageOutcome, string)> FailBeforeLeaseAsync(ReceivedBusMessage message, RunStageCommand command, Exception error, CancellationToken shutdown)
    {
        var failure = StageFailures.Classify(error, fenced: false, shutdown.IsCancellationRequested, [_cache.Root]);
        return failure.Kind switch
        {
            StageFailureKind.BadInput => await FailAsync(message, command, failure.Reasons, null).ConfigureAwait(false),
            StageFailureKind.Interrupted => await InterruptedAsync(message, null, null).ConfigureAwait(false),
            _ => await TransientAsync(message, error, null).ConfigureAwait(false),
        };
    }

    /// <summary>Unexpected: abandon for a redelivery after a short delay (dead-lettered after the bus's maximum deliveries).</summary>
    private async Task<(StageOutcome, string)> TransientAsync(ReceivedBusMessage message, Exception error, StageGuard? guard)
    {
        LogTransient(_logger, message.DeliveryCount, _options.TransientRedeliveryDelay, error);
        if (guard is not null)
        {
            await guard.ReleaseAsync().ConfigureAwait(false);
        }
        await SettleAsync(() => _bus.AbandonAsync(message, _options.TransientRedeliveryDelay, CancellationToken.None)).ConfigureAwait(false);
        return (StageOutcome.Transient, string.Create(CultureInfo.InvariantCulture,
            $"{error.GetType().Name}: {error.Message}; back on the queue in {Reports.MarkdownReport.FormatDuration(_options.TransientRedeliveryDelay)} (delivery {message.DeliveryCount} of at most {PipelineTopology.StageMaxDeliveryCount})"));
    }

    /// <summary>Shutting down: the checkpoint is saved; abandon at once so that another runner resumes it; release the lease.</summary>
    private async Task<(StageOutcome, string)> InterruptedAsync(ReceivedBusMessage message, StageGuard? guard, long? step)
    {
        LogInterrupted(_logger, step);
        if (guard is not null)
        {
            await guard.ReleaseAsync().ConfigureAwait(false);
        }
        await SettleAsync(() => _bus.AbandonAsync(message, TimeSpan.Zero, CancellationToken.None)).ConfigureAwait(false);
        return (StageOutcome.Interrupted, step is { } s
            ? string.Create(CultureInfo.InvariantCulture, $"stopped for shutdown after the checkpoint of step {s}; back on the queue for another runner")
            : "stopped for shutdown; back on the queue for another runner");
    }

    /// <summary>
    /// Lost the lock or the lease: nothing more is written or published. While the lock still holds, the message is
    /// abandoned with the busy delay (whoever holds the stage now finishes it, and the redelivery finds it done).
    /// </summary>
    private async Task<(StageOutcome, string)> FencedAsync(ReceivedBusMessage message, StageFence fence)
    {
        var reason = fence.Reason ?? "the stage was fenced";
        LogFenced(_logger, reason);
        try
        {
            await _bus.AbandonAsync(message, _options.BusyRedeliveryDelay, CancellationToken.None).ConfigureAwait(false);
        }
        catch (MessagingException e) when (e.Reason == MessagingErrorReason.MessageLockLost)
        {
            // The lock went too: the message is someone else's now.
        }
        catch (Exception e) when (IsHandled(e))
        {
            LogSettleFailed(_logger, e);
        }
        return (StageOutcome.Fenced, $"stopped without publishing: {reason}");
    }

    private async Task SettleAsync(Func<Task> settle)
    {
        try
        {
            await settle().ConfigureAwait(false);
        }
        catch (MessagingException e) when (e.Reason == MessagingErrorReason.MessageLockLost)
        {
            LogSettleFailed(_logger, e);
        }
        catch (Exception e) when (IsHandled(e))
        {
            // The lock expires and the bus delivers the message again: the outcome is the same, later.
            LogSettleFailed(_logger, e);
        }
    }

    private static RunStageCommand? ReadCommand(ReceivedBusMessage message, out string problem)
    {
        RunStageCommand command;
        try
        {
            command = RunStageCommand.FromJson(message.BodyToString());
        }
        catch (JsonException e)
        {
            problem = e.Message;
            return null;
        }
        problem = BlobPaths.IdProblem(command.RunId) is { } idProblem ? $"runId {idProblem}"
            : !StageNames.IsKnown(command.Stage) ? $"unknown stage '{command.Stage}'"
            : command.Attempt < 1 ? string.Create(CultureInfo.InvariantCulture, $"attempt {command.Attempt} is not at least 1")
            : string.IsNullOrEmpty(command.ManifestSha256) ? "manifestSha256 is empty"
            : "";
        return problem.Length == 0 ? command : null;
    }

    /// <summary>Errors the worker settles a message for; the process-ending ones pass.</summary>
    private static bool IsHandled(Exception e) => e is not (OutOfMemoryException or StackOverflowException or AccessViolationException);

    private void Report(WorkerActivity activity) => _activity?.Invoke(activity);

    private static string Describe(IReadOnlyDictionary<string, double> metrics)
    {
        string[] keys = ["loss", "validationLoss", "studentPerplexity", "teacherPerplexity", "trainBlocks", "validationBlocks"];
        var shown = keys.Where(metrics.ContainsKey).Select(k => string.Create(CultureInfo.InvariantCulture, $"{k} {metrics[k]:G5}")).ToList();
        return shown.Count == 0 ? "" : ": " + string.Join(", ", shown);
    }

    private static void ResetFolder(string folder)
    {
        DeleteFolder(folder);
        Directory.CreateDirectory(folder);
    }

    private static void DeleteFolder(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover work folder is reset by the next stage that uses it.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Runner {RunnerId} is waiting for stages (folder {Folder})")]
    private static partial void LogWorkerStarted(ILogger logger, string runnerId, string folder);

    [LoggerMessage(Level = LogLevel.Information, Message = "Runner {RunnerId} stopped after {Processed} message(s)")]
    private static partial void LogWorkerStopped(ILogger logger, string runnerId, int processed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Receiving from the stages queue failed; retrying")]
    private static partial void LogReceiveFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Received stage {Stage} of run {RunId}, attempt {Attempt} (delivery {DeliveryCount})")]
    private static partial void LogReceived(ILogger logger, string runId, string stage, int attempt, int deliveryCount);

    [LoggerMessage(Level = LogLevel.Error, Message = "Message {MessageId} (delivery {DeliveryCount}) is not a stage command, abandoned until it is dead-lettered: {Problem}")]
    private static partial void LogRejected(ILogger logger, string messageId, int deliveryCount, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Completed without work: {Reason}")]
    private static partial void LogDuplicate(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Another runner holds the stage's lease; abandoned for {Delay}")]
    private static partial void LogBusy(ILogger logger, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Information, Message = "Started on {RunnerId} ({Device})")]
    private static partial void LogStarted(ILogger logger, string runnerId, string device);

    [LoggerMessage(Level = LogLevel.Information, Message = "Started on {RunnerId} ({Device}), resuming from the checkpoint of step {Step}")]
    private static partial void LogResumed(ILogger logger, string runnerId, string device, long step);

    [LoggerMessage(Level = LogLevel.Information, Message = "Completed in {Seconds:F1} s")]
    private static partial void LogCompleted(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Failed on bad input, not retried: {Reasons}")]
    private static partial void LogFailed(ILogger logger, string reasons);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Unexpected error on delivery {DeliveryCount}; abandoned for a redelivery in {Delay}")]
    private static partial void LogTransient(ILogger logger, int deliveryCount, TimeSpan delay, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopped without publishing: {Reason}")]
    private static partial void LogFenced(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped for shutdown (checkpoint at step {Step}); the message is back on the queue for another runner")]
    private static partial void LogInterrupted(ILogger logger, long? step);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Settling the message failed; the bus delivers it again when its lock expires")]
    private static partial void LogSettleFailed(ILogger logger, Exception exception);
}
