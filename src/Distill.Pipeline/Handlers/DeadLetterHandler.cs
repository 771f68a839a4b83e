using System.Globalization;
using System.Text.Json;
using Distill.Contracts.Events;
using Distill.Contracts.Manifests;
using Distill.Contracts.Runs;
using Distill.Contracts.Stages;
using Distill.Contracts.Storage;
using Distill.Pipeline.Messaging;
using Distill.Pipeline.Storage;
using Distill.Pipeline.Uploads;
using Microsoft.Extensions.Logging;

namespace Distill.Pipeline.Handlers;

/// <summary>
/// OnDeadLetter: a message the pipeline could not get through, after the bus gave up on it, fails its run. A stage
/// command (<c>stages/$deadletterqueue</c>) fails the stage's attempt and the run, saying how many deliveries it had
/// and why it was dead-lettered; an upload notification (<c>upload-events/$deadletterqueue</c>) fails the upload's run
/// (recording it as failed if it was never created); a stage event the handlers could not process
/// (<c>pipeline-events/subscriptions/evaluation/$deadletterqueue</c>) fails its run. Idempotent: a redelivered dead
/// letter changes nothing more and re-publishes the same <c>distill.pipeline.failed</c> (a duplicate).
/// </summary>
public sealed partial class DeadLetterHandler(PipelineContext context, ILogger<DeadLetterHandler> logger, BusTopology? topology = null)
{
    private readonly BusTopology _topology = topology ?? PipelineTopology.Create();

    /// <summary>The dead-letter queues this handler reads.</summary>
    public static IReadOnlyList<string> EntityPaths { get; } =
    [
        EntityPath.DeadLetterQueue(PipelineTopology.StagesQueue),
        EntityPath.DeadLetterQueue(PipelineTopology.UploadEventsQueue),
        EntityPath.DeadLetterQueue(PipelineTopology.Subscription(PipelineTopology.EvaluationSubscription)),
    ];

    /// <summary>Fails the run of a message received from one of <see cref="EntityPaths"/>.</summary>
    /// <exception cref="InvalidMessageException">The message's body cannot be read.</exception>
    public Task HandleAsync(ReceivedBusMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var path = message.EntityPath;
        if (path.Equals(EntityPaths[0], StringComparison.OrdinalIgnoreCase))
        {
            return OnStageCommandAsync(message, cancellationToken);
        }
        if (path.Equals(EntityPaths[1], StringComparison.OrdinalIgnoreCase))
        {
            return OnUploadNotificationAsync(message, cancellationToken);
        }
        if (path.Equals(EntityPaths[2], StringComparison.OrdinalIgnoreCase))
        {
            return OnStageEventAsync(message, cancellationToken);
        }
        throw new ArgumentException($"message '{message.MessageId}' comes from {path}, which is not a dead-letter queue of the pipeline ({string.Join(", ", EntityPaths)})", nameof(message));
    }

    private async Task OnStageCommandAsync(ReceivedBusMessage message, CancellationToken cancellationToken)
    {
        var command = Read(message, body => RunStageCommand.FromJson(body));
        using var scope = logger.BeginRunScope(command.RunId, command.Stage);
        var reasons = new[] { $"stage '{command.Stage}' (attempt {command.Attempt}) {Describe(message, PipelineTopology.StagesQueue)}" };
        await FailAsync(command.RunId, command.Stage, command.Attempt, reasons, message, cancellationToken).ConfigureAwait(false);
    }

    private async Task OnStageEventAsync(ReceivedBusMessage message, CancellationToken cancellationToken)
    {
        var data = Read(message, body => DistillEvents.ReadData(CloudEventEnvelope.FromJson(body)));
        using var scope = logger.BeginRunScope(data.RunId, (data as StageEventData)?.Stage);
        var entity = PipelineTopology.Subscription(PipelineTopology.EvaluationSubscription);
        if (data is StageEventData stageEvent)
        {
            var reasons = new[] { $"the pipeline could not process {data.EventType} of stage '{stageEvent.Stage}' (attempt {stageEvent.Attempt}): it {Describe(message, entity)}" };
            await FailAsync(data.RunId, stageEvent.Stage, stageEvent.Attempt, reasons, message, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var reasons = new[] { $"the pipeline could not process {data.EventType}: it {Describe(message, entity)}" };
            await FailAsync(data.RunId, null, 0, reasons, message, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task OnUploadNotificationAsync(ReceivedBusMessage message, CancellationToken cancellationToken)
    {
        var notification = Read(message, BlobCreatedEvent.Parse);
        if (!notification.TryGetUploadId(out var uploadId))
        {
            LogDropped(logger, message.MessageId, message.EntityPath, $"{notification.Subject} is not an upload's pipeline.json; no run to fail");
            return;
        }
        using var scope = logger.BeginRunScope(uploadId);
        var manifestLocation = BlobPaths.UploadManifest(uploadId);
        var reasons = new[] { $"the notification of {manifestLocation} {Describe(message, PipelineTopology.UploadEventsQueue)}; upload the run again under a new id" };
        if (await context.Runs.ReadAsync(uploadId, cancellationToken).ConfigureAwait(false) is null)
        {
            // The run was never created: record it as failed, so that its id has an answer.
            var manifest = await context.Blobs.TryReadAllBytesAsync(manifestLocation.ToAddress(), cancellationToken).ConfigureAwait(false);
            var rejected = RunState.Reject(uploadId, UploadValidator.NameIn(manifest is { } m ? System.Text.Encoding.UTF8.GetString(m.Content) : null) ?? uploadId, PipelineManifest.Sha256(manifest?.Content ?? []), reasons, context.Now);
            await context.Runs.TryCreateAsync(rejected, cancellationToken).ConfigureAwait(false);
        }
        await FailAsync(uploadId, null, 0, reasons, message, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Fails the run unless it finished, or, for a stage's message, unless that attempt is no longer queued or running
    /// (it completed, or a newer attempt superseded it); publishes the failure when it is this one.
    /// </summary>
    private async Task FailAsync(string runId, string? stage, int attempt, string[] reasons, ReceivedBusMessage message, CancellationToken cancellationToken)
    {
        if (await context.Runs.ReadAsync(runId, cancellationToken).ConfigureAwait(false) is null)
        {
            LogDropped(logger, message.MessageId, message.EntityPath, $"run '{runId}' does not exist");
            return;
        }
        var (_, after) = await context.Runs.UpdateAsync(runId, s => Fail(s, stage, attempt, reasons), cancellationToken).ConfigureAwait(false);
        if (RunSteps.FailedWith(after, stage, reasons))
        {
            LogRunFailed(logger, runId, message.EntityPath, reasons[0]);
            await RunSteps.PublishFailedAsync(context, after, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            LogDropped(logger, message.MessageId, message.EntityPath, after.IsFinished
                ? $"run '{runId}' had already {(after.Status == RunStatus.Completed ? "completed" : "failed")}"
                : $"stage '{stage}' attempt {attempt} is no longer queued or running");
        }
    }

    private RunState Fail(RunState state, string? stage, int attempt, string[] reasons)
    {
        if (state.IsFinished)
        {
            return state;
        }
        if (stage is not null)
        {
            if (!state.HasStage(stage) || state.Stage(stage) is not { Status: StageStatus.Queued or StageStatus.Running } current || current.Attempt != attempt)
            {
                return state;
            }
        }
        return state.FailRun(reasons, context.Now, stage);
    }

    /// <summary>
    /// How the message ended up dead-lettered, the same on every delivery of the dead letter: "failed after 5 deliveries:
    /// MaxDeliveryCountExceeded: …", or "was dead-lettered: {reason}: {description}".
    /// </summary>
    private string Describe(ReceivedBusMessage message, string entityPath)
    {
        var reason = message.DeadLetterReason ?? "no dead-letter reason";
        var detail = string.IsNullOrWhiteSpace(message.DeadLetterErrorDescription) ? reason : $"{reason}: {message.DeadLetterErrorDescription}";
        return message.DeadLetterReason == DeadLetterReasons.MaxDeliveryCountExceeded && MaxDeliveryCount(entityPath) is { } count
            ? string.Create(CultureInfo.InvariantCulture, $"failed after {count} deliveries: {detail}")
            : $"was dead-lettered: {detail}";
    }

    private int? MaxDeliveryCount(string entityPath)
    {
        foreach (var queue in _topology.Queues)
        {
            if (queue.Name.Equals(entityPath, StringComparison.OrdinalIgnoreCase))
            {
                return queue.MaxDeliveryCount;
            }
        }
        foreach (var topic in _topology.Topics)
        {
            foreach (var subscription in topic.Subscriptions)
            {
                if (EntityPath.Subscription(topic.Name, subscription.Name).Equals(entityPath, StringComparison.OrdinalIgnoreCase))
                {
                    return subscription.MaxDeliveryCount;
                }
            }
        }
        return null;
    }

    private static T Read<T>(ReceivedBusMessage message, Func<string, T> parse)
    {
        try
        {
            return parse(message.BodyToString());
        }
        catch (JsonException e)
        {
            throw new InvalidMessageException($"dead letter '{message.MessageId}' from {message.EntityPath} cannot be read: {e.Message}", e);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Run {RunId} failed: a message was dead-lettered on {EntityPath}: {Reason}")]
    private static partial void LogRunFailed(ILogger logger, string runId, string entityPath, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped dead letter {MessageId} from {EntityPath}: {Reason}")]
    private static partial void LogDropped(ILogger logger, string messageId, string entityPath, string reason);
}
