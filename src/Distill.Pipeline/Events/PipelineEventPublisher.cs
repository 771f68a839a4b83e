using System.Text;
using Distill.Contracts.Events;
using Distill.Contracts.Storage;
using Distill.Pipeline.Messaging;
using Distill.Pipeline.Storage;

namespace Distill.Pipeline.Events;

/// <summary>
/// Publishes a Distill event everywhere it belongs: as a CloudEvent on the <see cref="PipelineTopology.EventsTopic"/>
/// topic (the message id is the event id, so a repeat is dropped; the subject is the event type, which the
/// subscriptions filter on), as a blob in the run's event folder (<see cref="BlobPaths.RunEvent"/>; written once,
/// what <c>distill watch</c> and the run report read), and, for the run's outcome and optionally every event, to the
/// external sink. Publishing the same event twice is harmless.
/// </summary>
public sealed class PipelineEventPublisher(IMessageBus bus, IBlobStore blobs, TimeProvider time, IExternalEventSink? externalSink = null, bool externalStageEvents = false)
{
    /// <summary>The content type of a structured-mode CloudEvent on the bus.</summary>
    public const string ContentType = "application/cloudevents+json; charset=utf-8";

    public async Task<CloudEventEnvelope> PublishAsync(DistillEventData data, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        var cloudEvent = DistillEvents.ToCloudEvent(data, time.GetUtcNow());
        var json = cloudEvent.ToJson();
        var bytes = Encoding.UTF8.GetBytes(json);

        var location = BlobPaths.RunEvent(data.RunId, cloudEvent.Id);
        try
        {
            await blobs.PutAsync(new BlobAddress(location.Container, location.Name), new MemoryStream(bytes),
                new BlobPutOptions { ContentType = ContentType, Conditions = BlobConditions.IfNotExists }, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobStoreException e) when (e.Reason == BlobStoreErrorReason.ConditionNotMet)
        {
            // Already recorded by an earlier attempt of the same publication.
        }

        var message = new BusMessage(bytes)
        {
            MessageId = cloudEvent.Id,
            Subject = cloudEvent.Type,
            CorrelationId = data.RunId,
            ContentType = ContentType,
        };
        message.ApplicationProperties["runId"] = data.RunId;
        if (data is StageEventData stage)
        {
            message.ApplicationProperties["stage"] = stage.Stage;
        }
        await bus.SendAsync(PipelineTopology.EventsTopic, message, cancellationToken).ConfigureAwait(false);

        if (externalSink is not null && (externalStageEvents || data is PipelineCompleted or PipelineFailed))
        {
            await externalSink.PublishAsync(cloudEvent, cancellationToken).ConfigureAwait(false);
        }
        return cloudEvent;
    }

    /// <summary>Reads a CloudEvent back from a message received from the events topic.</summary>
    public static CloudEventEnvelope Read(ReceivedBusMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return CloudEventEnvelope.FromJson(message.BodyToString());
    }
}
