using Distill.Contracts.Events;

namespace Distill.Pipeline.Events;

/// <summary>
/// Where Distill's events go for subscribers outside the pipeline: an Event Grid topic on Azure. Locally there is
/// none; the events are on the bus topic and in each run's event folder.
/// </summary>
public interface IExternalEventSink
{
    /// <summary>Publishes one CloudEvent; a transient failure throws, and the caller's retry publishes it again (same id).</summary>
    Task PublishAsync(CloudEventEnvelope cloudEvent, CancellationToken cancellationToken);
}
