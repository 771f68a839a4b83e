using System.Text.Json.Serialization;

namespace Distill.Contracts.Events;

/// <summary>
/// The <c>data</c> of a Distill CloudEvent. Every payload carries its schema version and the run id; its CloudEvents
/// type, id and subject follow from it (<see cref="DistillEvents"/>).
/// </summary>
public abstract record DistillEventData
{
    public const int CurrentSchemaVersion = 1;

    [JsonPropertyOrder(-4)]
    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    [JsonPropertyOrder(-3)]
    public required string RunId { get; init; }

    /// <summary>The CloudEvents type (<see cref="DistillEventTypes"/>).</summary>
    [JsonIgnore]
    public string EventType => DistillEvents.TypeOf(this);

    /// <summary>The deterministic CloudEvents id (<see cref="DistillEvents.IdOf"/>).</summary>
    [JsonIgnore]
    public string EventId => DistillEvents.IdOf(this);
}
