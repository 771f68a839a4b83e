using System.Text.Json;
using System.Text.Json.Serialization;
using Distill.Contracts.Json;

namespace Distill.Contracts.Events;

/// <summary>
/// A CloudEvents 1.0 event in the JSON structured mode, as Azure Event Grid accepts it on a CloudEvents topic
/// (<c>application/cloudevents+json</c>, or an array of them as <c>application/cloudevents-batch+json</c>): the
/// required <c>specversion</c>, <c>id</c>, <c>source</c> and <c>type</c>, the optional <c>subject</c>, <c>time</c> and
/// <c>datacontenttype</c>, and the payload in <c>data</c>. Attribute names are lowercase, as the specification requires.
/// Build Distill's with <see cref="DistillEvents.ToCloudEvent"/>; read their payload with <see cref="DistillEvents.ReadData"/>.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record CloudEventEnvelope
{
    /// <summary>The specification version this envelope follows.</summary>
    public const string Version = "1.0";

    /// <summary>The media type of <see cref="Data"/>.</summary>
    public const string JsonContentType = "application/json";

    /// <summary>The media type of one event in structured mode.</summary>
    public const string StructuredContentType = "application/cloudevents+json; charset=utf-8";

    /// <summary>The media type of a batch of events (a JSON array).</summary>
    public const string BatchContentType = "application/cloudevents-batch+json; charset=utf-8";

    /// <summary><c>specversion</c>: "1.0".</summary>
    [JsonPropertyName("specversion")]
    public required string SpecVersion { get; init; }

    /// <summary><c>id</c>: unique within the source; Distill's are deterministic, so a repeated publication is a duplicate.</summary>
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    /// <summary><c>source</c>: <c>/distill/runs/{runId}</c>.</summary>
    [JsonPropertyName("source")]
    public required string Source { get; init; }

    /// <summary><c>type</c>: one of <see cref="DistillEventTypes.All"/>.</summary>
    [JsonPropertyName("type")]
    public required string Type { get; init; }

    /// <summary><c>subject</c>: <c>stages/{stage}</c> for stage events; absent for run events.</summary>
    [JsonPropertyName("subject")]
    public string? Subject { get; init; }

    /// <summary><c>time</c>: when it happened (RFC 3339).</summary>
    [JsonPropertyName("time")]
    public DateTimeOffset? Time { get; init; }

    /// <summary><c>datacontenttype</c>: <c>application/json</c>.</summary>
    [JsonPropertyName("datacontenttype")]
    public string? DataContentType { get; init; }

    /// <summary><c>data</c>: the payload, a JSON object.</summary>
    [JsonPropertyName("data")]
    public JsonElement? Data { get; init; }

    /// <summary>The event as one line of JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, ContractsJsonContext.Default.CloudEventEnvelope);

    /// <summary>A batch of events as a JSON array, the body Event Grid takes as <see cref="BatchContentType"/>.</summary>
    public static string ToBatchJson(IEnumerable<CloudEventEnvelope> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        return JsonSerializer.Serialize<IReadOnlyList<CloudEventEnvelope>>([.. events], ContractsJsonContext.Default.IReadOnlyListCloudEventEnvelope);
    }

    /// <summary>
    /// Reads one event; throws <see cref="JsonException"/> when it is malformed, is not CloudEvents 1.0, or lacks a
    /// required attribute.
    /// </summary>
    public static CloudEventEnvelope FromJson(string json)
    {
        var envelope = ContractJson.Read(json, ContractsJsonContext.Default.CloudEventEnvelope, "a CloudEvent");
        if (envelope.SpecVersion != Version)
        {
            throw new JsonException($"a CloudEvent has specversion '{envelope.SpecVersion}'; this Distill reads {Version}");
        }
        foreach (var (name, value) in new[] { ("id", envelope.Id), ("source", envelope.Source), ("type", envelope.Type) })
        {
            if (string.IsNullOrEmpty(value))
            {
                throw new JsonException($"a CloudEvent's '{name}' is empty");
            }
        }
        return envelope;
    }
}
