using Azure;
using Azure.Core;
using Azure.Messaging;
using Azure.Messaging.EventGrid;
using Distill.Contracts.Events;

namespace Distill.Pipeline.Events;

/// <summary>
/// Publishes Distill's events to an Event Grid custom topic as CloudEvents 1.0 (<c>POST {endpoint}</c>,
/// <c>application/cloudevents-batch+json</c>), authenticated with Microsoft Entra ID (the identity needs the
/// EventGrid Data Sender role on the topic). Each event keeps its deterministic id, so a retried publication is the
/// same event to subscribers. Transient failures are retried by the client's Azure.Core pipeline; what is left throws.
/// </summary>
public sealed class EventGridEventSink : IExternalEventSink
{
    /// <summary>The path Event Grid topics take events on.</summary>
    public const string EventsPath = "/api/events";

    private readonly EventGridPublisherClient _client;

    /// <param name="endpoint">The topic's endpoint; <c>/api/events</c> is added when it has no path.</param>
    /// <param name="credential">The Entra ID credential (a managed identity on Azure).</param>
    /// <param name="clientOptions">Retry, transport and diagnostics settings; the defaults when null.</param>
    public EventGridEventSink(Uri endpoint, TokenCredential credential, EventGridPublisherClientOptions? clientOptions = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(credential);
        if (!endpoint.IsAbsoluteUri)
        {
            throw new ArgumentException($"the Event Grid endpoint '{endpoint}' is not an absolute address", nameof(endpoint));
        }
        Endpoint = endpoint.AbsolutePath is "" or "/" ? new Uri(endpoint, EventsPath) : endpoint;
        _client = new EventGridPublisherClient(Endpoint, credential, clientOptions ?? new EventGridPublisherClientOptions());
    }

    /// <summary>Where the events are posted.</summary>
    public Uri Endpoint { get; }

    /// <inheritdoc/>
    public async Task PublishAsync(CloudEventEnvelope cloudEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cloudEvent);
        await _client.SendEventAsync(ToCloudEvent(cloudEvent), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The Azure CloudEvent carrying the same id, source, type, subject, time and JSON data.</summary>
    internal static CloudEvent ToCloudEvent(CloudEventEnvelope envelope)
    {
        var data = envelope.Data is { } json ? BinaryData.FromString(json.GetRawText()) : null;
        return new CloudEvent(envelope.Source, envelope.Type, data, envelope.DataContentType ?? CloudEventEnvelope.JsonContentType, CloudEventDataFormat.Json)
        {
            Id = envelope.Id,
            Subject = envelope.Subject,
            Time = envelope.Time,
        };
    }
}
