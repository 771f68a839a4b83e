using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Distill.Contracts.Events;
using Distill.Contracts.Storage;
using Distill.Pipeline.Messaging;

namespace Distill.Pipeline.Uploads;

/// <summary>
/// A storage notification that a blob was created: on Azure, the Event Grid <c>Microsoft.Storage.BlobCreated</c>
/// event the uploads container's system topic delivers to the <see cref="PipelineTopology.UploadEventsQueue"/> queue;
/// locally, the same event sent by <see cref="UploadClient.NotifyAsync"/>. Only an upload's manifest
/// (<c>uploads/{uploadId}/pipeline.json</c>, see <see cref="TryGetUploadId"/>) starts a run.
/// </summary>
public sealed record BlobCreatedEvent
{
    /// <summary>The event type Azure Storage gives a created blob.</summary>
    public const string EventType = "Microsoft.Storage.BlobCreated";

    /// <summary>The event id (Event Grid: a GUID, stable across redeliveries of one event).</summary>
    public required string Id { get; init; }

    /// <summary>The CloudEvents <c>source</c> (or the Event Grid <c>topic</c>): the storage account's resource id.</summary>
    public required string Source { get; init; }

    /// <summary>The event type; <see cref="EventType"/> for the events this pipeline acts on.</summary>
    public required string Type { get; init; }

    /// <summary><c>/blobServices/default/containers/{container}/blobs/{name}</c>.</summary>
    public required string Subject { get; init; }

    public DateTimeOffset? Time { get; init; }

    public required BlobCreatedData Data { get; init; }

    /// <summary>
    /// The upload id when the event is about an upload's manifest (<c>uploads/{uploadId}/pipeline.json</c> with a valid
    /// id) of type <see cref="EventType"/>; false for any other blob or event.
    /// </summary>
    public bool TryGetUploadId([NotNullWhen(true)] out string? uploadId)
    {
        uploadId = null;
        return Type == EventType && BlobPaths.TryParseUploadManifestSubject(Subject, out uploadId);
    }

    /// <summary>The subject of a blob: <c>/blobServices/default/containers/{container}/blobs/{name}</c>.</summary>
    public static string SubjectOf(BlobLocation blob)
    {
        ArgumentNullException.ThrowIfNull(blob);
        return $"/blobServices/default/containers/{blob.Container}/blobs/{blob.Name}";
    }

    /// <summary>
    /// The event a store raises when an upload's manifest was written: what Event Grid would deliver, built for a
    /// store without Event Grid (the local one). The id is derived from the blob and its ETag, so notifying the same
    /// write twice is one event.
    /// </summary>
    /// <param name="uploadId">The upload (and run) id.</param>
    /// <param name="eTag">The manifest's ETag, as the write returned it.</param>
    /// <param name="contentLength">The manifest's length in bytes.</param>
    /// <param name="time">When it was written.</param>
    /// <param name="accountUri">The store's base URI (locally, the blob folder's file URI); the blob's URL is under it.</param>
    public static BlobCreatedEvent ForUploadManifest(string uploadId, string eTag, long contentLength, DateTimeOffset time, Uri accountUri)
    {
        ArgumentException.ThrowIfNullOrEmpty(eTag);
        ArgumentNullException.ThrowIfNull(accountUri);
        var manifest = BlobPaths.UploadManifest(uploadId);
        var subject = SubjectOf(manifest);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(subject + "\n" + eTag));
        var account = accountUri.AbsoluteUri.TrimEnd('/');
        return new BlobCreatedEvent
        {
            Id = new Guid(hash.AsSpan(0, 16)).ToString("D"),
            Source = account,
            Type = EventType,
            Subject = subject,
            Time = time,
            Data = new BlobCreatedData
            {
                Api = "PutBlob",
                ETag = eTag,
                ContentType = "application/json",
                ContentLength = contentLength,
                BlobType = "BlockBlob",
                Url = $"{account}/{manifest.Container}/{manifest.Name}",
                Sequencer = time.UtcTicks.ToString("x32", System.Globalization.CultureInfo.InvariantCulture),
            },
        };
    }

    /// <summary>The event in the CloudEvents 1.0 schema (one JSON object), as Event Grid delivers it with <c>CloudEventSchemaV1_0</c>.</summary>
    public string ToJson() => new CloudEventEnvelope
    {
        SpecVersion = CloudEventEnvelope.Version,
        Id = Id,
        Source = Source,
        Type = Type,
        Subject = Subject,
        Time = Time,
        DataContentType = CloudEventEnvelope.JsonContentType,
        Data = JsonSerializer.SerializeToElement(Data, PipelineJsonContext.Default.BlobCreatedData),
    }.ToJson();

    /// <summary>The message for the upload-events queue: the CloudEvent as the body, the event id as the message id (so a repeat is dropped).</summary>
    public BusMessage ToBusMessage()
    {
        var message = BusMessage.FromText(ToJson(), CloudEventEnvelope.StructuredContentType);
        message.MessageId = Id;
        message.Subject = Type;
        return message;
    }

    /// <summary>
    /// Reads an event in the CloudEvents 1.0 schema (<c>specversion</c>, <c>type</c>, <c>source</c>, <c>time</c>) or
    /// the Event Grid schema (<c>eventType</c>, <c>topic</c>, <c>eventTime</c>), alone or as the only element of an
    /// array (a webhook delivery). Throws <see cref="JsonException"/> saying what is missing or malformed.
    /// </summary>
    public static BlobCreatedEvent Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Array)
        {
            if (root.GetArrayLength() != 1)
            {
                throw new JsonException($"a storage event batch holds {root.GetArrayLength()} events; one per message is expected");
            }
            root = root[0];
        }
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException($"a storage event must be a JSON object, got {root.ValueKind}");
        }
        var cloudEvent = root.TryGetProperty("specversion", out _);
        if (!cloudEvent && !root.TryGetProperty("eventType", out _))
        {
            throw new JsonException("a storage event needs 'specversion' (CloudEvents 1.0) or 'eventType' (Event Grid schema)");
        }
        var schema = cloudEvent ? "CloudEvents" : "Event Grid";
        if (cloudEvent && String(root, "specversion", schema) is var version && version != CloudEventEnvelope.Version)
        {
            throw new JsonException($"a storage event has specversion '{version}'; {CloudEventEnvelope.Version} is read");
        }
        if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException($"a storage event ({schema} schema) needs 'data', a JSON object");
        }
        var timeName = cloudEvent ? "time" : "eventTime";
        DateTimeOffset? time = null;
        if (root.TryGetProperty(timeName, out var timeElement) && timeElement.ValueKind != JsonValueKind.Null)
        {
            if (timeElement.ValueKind != JsonValueKind.String || !timeElement.TryGetDateTimeOffset(out var parsed))
            {
                throw new JsonException($"a storage event's '{timeName}' is not an RFC 3339 time");
            }
            time = parsed;
        }
        return new BlobCreatedEvent
        {
            Id = String(root, "id", schema),
            Source = String(root, cloudEvent ? "source" : "topic", schema),
            Type = String(root, cloudEvent ? "type" : "eventType", schema),
            Subject = String(root, "subject", schema),
            Time = time,
            Data = data.Deserialize(PipelineJsonContext.Default.BlobCreatedData)
                ?? throw new JsonException("a storage event's 'data' is null"),
        };
    }

    private static string String(JsonElement root, string name, string schema)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String || value.GetString() is not { Length: > 0 } text)
        {
            throw new JsonException($"a storage event ({schema} schema) needs '{name}', a non-empty string");
        }
        return text;
    }
}
