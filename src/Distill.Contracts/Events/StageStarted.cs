using System.Text.Json.Serialization;

namespace Distill.Contracts.Events;

/// <summary><c>distill.stage.started</c>: a runner took the stage's lease and started, or resumed from a checkpoint.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record StageStarted : StageEventData
{
    /// <summary>The runner's name.</summary>
    public required string Runner { get; init; }

    /// <summary>The checkpoint step the stage resumed from; null for a fresh start.</summary>
    public long? ResumedFromStep { get; init; }
}
