using System.Text.Json.Serialization;

namespace Distill.Contracts.Events;

/// <summary><c>distill.stage.completed</c>: a stage finished; the pipeline queues the next one.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record StageCompleted : StageEventData
{
    /// <summary>The stage's final numbers by name.</summary>
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }

    /// <summary>What it produced, by name (<see cref="Stages.ArtifactNames"/>): the blob path of each.</summary>
    public required IReadOnlyDictionary<string, string> Artifacts { get; init; }
}
