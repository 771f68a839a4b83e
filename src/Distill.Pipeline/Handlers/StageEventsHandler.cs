using System.Text;
using Distill.Contracts.Events;
using Distill.Contracts.Manifests;
using Distill.Contracts.Runs;
using Distill.Contracts.Storage;
using Distill.Pipeline.Storage;
using Microsoft.Extensions.Logging;

namespace Distill.Pipeline.Handlers;

/// <summary>
/// OnStageCompleted, OnStageFailed and OnEvaluated, for the events of the <see cref="PipelineTopology.EvaluationSubscription"/>
/// subscription. A completed stage is recorded and the next one queued and sent; the last stage's completion (evaluate)
/// applies the manifest's gates to the teacher comparison it reported, then publishes the student
/// (<see cref="StudentPublisher"/>) and completes the run, or fails it naming each missed gate. A failed stage fails the
/// run. Every change is a conditional write of the run state, so repeated, concurrent or reordered events never fork or
/// regress a run: an event for a superseded attempt, or after the run finished, is logged and dropped.
/// </summary>
public sealed partial class StageEventsHandler(PipelineContext context, ILogger<StageEventsHandler> logger)
{
    private readonly StudentPublisher _publisher = new(context);

    /// <summary>Handles one Distill event; types other than stage completed and failed are ignored.</summary>
    /// <exception cref="System.Text.Json.JsonException">The event's data is not a valid payload of its type.</exception>
    public Task HandleAsync(CloudEventEnvelope cloudEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cloudEvent);
        if (!DistillEventTypes.IsKnown(cloudEvent.Type))
        {
            LogIgnoredType(logger, cloudEvent.Type, cloudEvent.Id);
            return Task.CompletedTask;
        }
        return HandleAsync(DistillEvents.ReadData(cloudEvent), cancellationToken);
    }

    /// <summary>Handles one Distill event's payload; payloads other than stage completed and failed are ignored.</summary>
    public Task HandleAsync(DistillEventData data, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        return data switch
        {
            StageCompleted completed => OnStageCompletedAsync(completed, cancellationToken),
            StageFailed failed => OnStageFailedAsync(failed, cancellationToken),
            _ => LogIgnored(data),
        };
    }

    /// <summary>A stage finished: record it, then queue the next stage, or, after the last, gate and publish.</summary>
    public async Task OnStageCompletedAsync(StageCompleted completed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(completed);
        using var scope = logger.BeginRunScope(completed.RunId, completed.Stage);
        if (await ReadKnownStageAsync(completed, cancellationToken) is null)
        {
            return;
        }
        RunState after;
        try
        {
            (_, after) = await context.Runs.UpdateAsync(completed.RunId,
                s => s.CompleteStage(completed.Stage, completed.Attempt, completed.Metrics, completed.Artifacts, context.Now), cancellationToken).ConfigureAwait(false);
        }
        catch (RunTransitionException e)
        {
            LogDropped(logger, DistillEventTypes.StageCompleted, completed.Attempt, e.Message);
            return;
        }

        var next = RunSteps.StageAfter(after, completed.Stage);
        if (after.IsFinished)
        {
            // Only the last stage's completion finishes a run; a redelivery of it re-publishes the outcome it led to.
            if (next is null)
            {
                await PublishOutcomeAsync(after, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                LogDropped(logger, DistillEventTypes.StageCompleted, completed.Attempt, $"the run is already {after.Status}");
            }
            return;
        }
        LogStageCompleted(logger, completed.Stage, completed.Attempt);
        if (next is not null)
        {
            var (_, queued) = await context.Runs.UpdateAsync(completed.RunId, s => RunSteps.QueueFirstAttempt(s, next, context.Now), cancellationToken).ConfigureAwait(false);
            if (queued.Stage(next).Status == StageStatus.Queued)
            {
                var command = await RunSteps.SendStageCommandAsync(context, queued, next, cancellationToken).ConfigureAwait(false);
                LogQueued(logger, command.Stage, command.Attempt, command.MessageId);
            }
            return;
        }
        await FinishAsync(after, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A stage failed for a reason retrying cannot fix: the stage and the run fail with its reasons.</summary>
    public async Task OnStageFailedAsync(StageFailed failed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(failed);
        using var scope = logger.BeginRunScope(failed.RunId, failed.Stage);
        if (await ReadKnownStageAsync(failed, cancellationToken) is null)
        {
            return;
        }
        IReadOnlyList<string> reasons = failed.Reasons.Where(r => !string.IsNullOrWhiteSpace(r)).ToList() is { Count: > 0 } given
            ? given
            : [$"stage '{failed.Stage}' (attempt {failed.Attempt}) failed without saying why"];
        RunState after;
        try
        {
            (_, after) = await context.Runs.UpdateAsync(failed.RunId, s => s.FailStage(failed.Stage, failed.Attempt, reasons, context.Now), cancellationToken).ConfigureAwait(false);
        }
        catch (RunTransitionException e)
        {
            LogDropped(logger, DistillEventTypes.StageFailed, failed.Attempt, e.Message);
            return;
        }
        if (RunSteps.FailedWith(after, failed.Stage, reasons))
        {
            LogRunFailed(logger, failed.RunId, string.Join("; ", reasons));
            await RunSteps.PublishFailedAsync(context, after, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            LogDropped(logger, DistillEventTypes.StageFailed, failed.Attempt, "the run had already failed for another reason");
        }
    }

    /// <summary>OnEvaluated: every stage completed; apply the gates, publish the student and complete the run, or fail it.</summary>
    private async Task FinishAsync(RunState state, CancellationToken cancellationToken)
    {
        var manifestLocation = BlobPaths.UploadManifest(state.RunId);
        var read = await context.Blobs.TryReadAllBytesAsync(manifestLocation.ToAddress(), cancellationToken).ConfigureAwait(false);
        if (read is not { } manifestBlob || PipelineManifest.Sha256(manifestBlob.Content) != state.ManifestSha256)
        {
            await FailAsync(state.RunId,
                [$"{manifestLocation}: {(read is null ? "deleted" : "changed")} since the run was accepted (SHA-256 {state.ManifestSha256}); the student is not published, since its lineage would not match"],
                cancellationToken).ConfigureAwait(false);
            return;
        }
        var manifestJson = Encoding.UTF8.GetString(manifestBlob.Content).TrimStart('\uFEFF');
        var manifest = PipelineManifest.Parse(manifestJson, manifestLocation.ToString());

        var evaluate = state.Stages[^1];
        if (!TeacherComparison.TryFromMetrics(evaluate.Metrics, out var comparison, out var missing))
        {
            await FailAsync(state.RunId,
                [$"stage '{evaluate.Name}' reported no {string.Join(", ", missing)} in its metrics: without the teacher comparison the gates cannot be applied"],
                cancellationToken).ConfigureAwait(false);
            return;
        }
        var missed = manifest.Evaluation.Gates.Failures(comparison);
        if (missed.Count > 0)
        {
            await FailAsync(state.RunId, missed, cancellationToken).ConfigureAwait(false);
            return;
        }

        RunResult result;
        try
        {
            result = await _publisher.PublishAsync(state, manifest, manifestJson, comparison, cancellationToken).ConfigureAwait(false);
        }
        catch (StudentPublicationException e)
        {
            await FailAsync(state.RunId, [e.Message], cancellationToken).ConfigureAwait(false);
            return;
        }
        RunState done;
        try
        {
            (_, done) = await context.Runs.UpdateAsync(state.RunId, s => s.CompleteRun(result, context.Now), cancellationToken).ConfigureAwait(false);
        }
        catch (RunTransitionException e)
        {
            LogDropped(logger, DistillEventTypes.StageCompleted, evaluate.Attempt, e.Message);
            return;
        }
        LogRunCompleted(logger, state.RunId, result.Student.ToString(), comparison.PerplexityRatio, comparison.SizeRatio);
        await RunSteps.PublishCompletedAsync(context, done, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Fails the run after its stages (a missed gate, an unpublishable student) and publishes the failure.</summary>
    private async Task FailAsync(string runId, IReadOnlyList<string> reasons, CancellationToken cancellationToken)
    {
        RunState after;
        try
        {
            (_, after) = await context.Runs.UpdateAsync(runId, s => s.FailRun(reasons, context.Now), cancellationToken).ConfigureAwait(false);
        }
        catch (RunTransitionException e)
        {
            LogDropped(logger, DistillEventTypes.StageCompleted, 0, e.Message);
            return;
        }
        if (RunSteps.FailedWith(after, null, reasons))
        {
            LogRunFailed(logger, runId, string.Join("; ", reasons));
            await RunSteps.PublishFailedAsync(context, after, cancellationToken).ConfigureAwait(false);
        }
    }

    private Task PublishOutcomeAsync(RunState state, CancellationToken cancellationToken) => state.Status == RunStatus.Completed
        ? RunSteps.PublishCompletedAsync(context, state, cancellationToken)
        : RunSteps.PublishFailedAsync(context, state, cancellationToken);

    /// <summary>The run's state when the run exists and has the event's stage; otherwise logs why the event is dropped.</summary>
    private async Task<RunState?> ReadKnownStageAsync(StageEventData data, CancellationToken cancellationToken)
    {
        var state = (await context.Runs.ReadAsync(data.RunId, cancellationToken).ConfigureAwait(false))?.State;
        if (state is null)
        {
            LogDropped(logger, data.EventType, data.Attempt, $"run '{data.RunId}' does not exist");
            return null;
        }
        if (!state.HasStage(data.Stage))
        {
            LogDropped(logger, data.EventType, data.Attempt, $"run '{data.RunId}' has no stage '{data.Stage}' (its stages: {string.Join(", ", state.Stages.Select(s => s.Name))})");
            return null;
        }
        return state;
    }

    private Task LogIgnored(DistillEventData data)
    {
        LogIgnoredType(logger, data.EventType, data.EventId);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ignored event {EventId} of type {EventType}: the stage events handler acts on stage completions and failures")]
    private static partial void LogIgnoredType(ILogger logger, string eventType, string eventId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped {EventType} (attempt {Attempt}): {Reason}")]
    private static partial void LogDropped(ILogger logger, string eventType, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stage {Stage} attempt {Attempt} completed")]
    private static partial void LogStageCompleted(ILogger logger, string stage, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Queued stage {NextStage} attempt {Attempt} (message {MessageId})")]
    private static partial void LogQueued(ILogger logger, string nextStage, int attempt, string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} failed: {Reasons}")]
    private static partial void LogRunFailed(ILogger logger, string runId, string reasons);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} completed: student published to {Student} (perplexity ratio {PerplexityRatio:G4}, size ratio {SizeRatio:G4})")]
    private static partial void LogRunCompleted(ILogger logger, string runId, string student, double perplexityRatio, double sizeRatio);
}
