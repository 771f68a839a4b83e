using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Distill.Contracts.Json;
using Distill.Contracts.Storage;

namespace Distill.Contracts.Events;

/// <summary>
/// Distill's events as CloudEvents: the type, deterministic id and subject of each payload, the envelope, and the
/// payload read back by type. Ids are <c>{runId}:{type}</c> for run events, <c>{runId}:{type}:{stage}:{attempt}</c> for
/// stage events and <c>{runId}:{type}:{stage}:{attempt}:{step}</c> for progress, so an event published twice (a
/// redelivered handler) carries the same id and subscribers drop the repeat.
/// </summary>
public static class DistillEvents
{
    /// <summary>The CloudEvents <c>source</c> of a run's events: <c>/distill/runs/{runId}</c>.</summary>
    public static string Source(string runId) => "/distill/runs/" + runId;

    /// <summary>The CloudEvents <c>type</c> of a payload.</summary>
    public static string TypeOf(DistillEventData data) => data switch
    {
        RunAccepted => DistillEventTypes.RunAccepted,
        StageStarted => DistillEventTypes.StageStarted,
        StageProgressed => DistillEventTypes.StageProgress,
        StageCompleted => DistillEventTypes.StageCompleted,
        StageFailed => DistillEventTypes.StageFailed,
        PipelineCompleted => DistillEventTypes.PipelineCompleted,
        PipelineFailed => DistillEventTypes.PipelineFailed,
        null => throw new ArgumentNullException(nameof(data)),
        _ => throw new ArgumentException($"{data.GetType().Name} is not a Distill event payload", nameof(data)),
    };

    /// <summary>The deterministic CloudEvents <c>id</c> of a payload.</summary>
    public static string IdOf(DistillEventData data) => data switch
    {
        StageProgressed p => string.Create(CultureInfo.InvariantCulture, $"{p.RunId}:{TypeOf(p)}:{p.Stage}:{p.Attempt}:{p.Step}"),
        StageEventData s => string.Create(CultureInfo.InvariantCulture, $"{s.RunId}:{TypeOf(s)}:{s.Stage}:{s.Attempt}"),
        _ => $"{data.RunId}:{TypeOf(data)}",
    };

    /// <summary>The CloudEvents <c>subject</c>: <c>stages/{stage}</c> for stage events, null for run events.</summary>
    public static string? SubjectOf(DistillEventData data) => data is StageEventData s ? "stages/" + s.Stage : null;

    /// <summary>The payload wrapped in its CloudEvents 1.0 envelope, stamped with <paramref name="time"/>.</summary>
    public static CloudEventEnvelope ToCloudEvent(DistillEventData data, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (BlobPaths.IdProblem(data.RunId) is { } problem)
        {
            throw new ArgumentException($"the event's runId {problem}", nameof(data));
        }
        var typeInfo = ContractsJsonContext.Default.GetTypeInfo(data.GetType())
            ?? throw new ArgumentException($"{data.GetType().Name} is not part of the contracts' JSON context", nameof(data));
        return new CloudEventEnvelope
        {
            SpecVersion = CloudEventEnvelope.Version,
            Id = IdOf(data),
            Source = Source(data.RunId),
            Type = TypeOf(data),
            Subject = SubjectOf(data),
            Time = time,
            DataContentType = CloudEventEnvelope.JsonContentType,
            Data = JsonSerializer.SerializeToElement(data, typeInfo),
        };
    }

    /// <summary>
    /// The typed payload of a Distill event, chosen by the envelope's <c>type</c>. Throws <see cref="JsonException"/> for
    /// a type that is not Distill's (check <see cref="DistillEventTypes.IsKnown"/> first to skip those), a missing or
    /// malformed payload, or a payload of another schema version.
    /// </summary>
    public static DistillEventData ReadData(CloudEventEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var context = ContractsJsonContext.Default;
        return envelope.Type switch
        {
            DistillEventTypes.RunAccepted => Read(envelope, context.RunAccepted),
            DistillEventTypes.StageStarted => Read(envelope, context.StageStarted),
            DistillEventTypes.StageProgress => Read(envelope, context.StageProgressed),
            DistillEventTypes.StageCompleted => Read(envelope, context.StageCompleted),
            DistillEventTypes.StageFailed => Read(envelope, context.StageFailed),
            DistillEventTypes.PipelineCompleted => Read(envelope, context.PipelineCompleted),
            DistillEventTypes.PipelineFailed => Read(envelope, context.PipelineFailed),
            _ => throw new JsonException($"CloudEvent '{envelope.Id}' has type '{envelope.Type}', which is not a Distill event (known: {string.Join(", ", DistillEventTypes.All)})"),
        };
    }

    /// <summary><see cref="ReadData(CloudEventEnvelope)"/> for an expected payload type; another type throws <see cref="JsonException"/>.</summary>
    public static T ReadData<T>(CloudEventEnvelope envelope)
        where T : DistillEventData =>
        ReadData(envelope) as T
        ?? throw new JsonException($"CloudEvent '{envelope.Id}' has type '{envelope.Type}', not the type of {typeof(T).Name}");

    private static T Read<T>(CloudEventEnvelope envelope, JsonTypeInfo<T> typeInfo)
        where T : DistillEventData
    {
        var what = $"the data of CloudEvent '{envelope.Id}' ({envelope.Type})";
        if (envelope.Data is not { ValueKind: JsonValueKind.Object } data)
        {
            throw new JsonException($"{what} must be a JSON object");
        }
        if (envelope.DataContentType is { } contentType && !contentType.StartsWith(CloudEventEnvelope.JsonContentType, StringComparison.OrdinalIgnoreCase))
        {
            throw new JsonException($"{what} has datacontenttype '{contentType}', not {CloudEventEnvelope.JsonContentType}");
        }
        var payload = ContractJson.Read(data.GetRawText(), typeInfo, what);
        ContractJson.RequireSchemaVersion(payload.SchemaVersion, DistillEventData.CurrentSchemaVersion, what);
        return payload;
    }
}
