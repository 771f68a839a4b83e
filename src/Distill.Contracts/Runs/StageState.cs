using System.Text.Json.Serialization;

namespace Distill.Contracts.Runs;

/// <summary>One stage of a run, as <c>state.json</c> records it.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record StageState
{
    /// <summary>One of <see cref="Stages.StageNames.All"/>.</summary>
    public required string Name { get; init; }

    public required StageStatus Status { get; init; }

    /// <summary>The attempt queued or running (its command's <c>attempt</c>); 0 while pending.</summary>
    public required int Attempt { get; init; }

    /// <summary>When the current attempt was queued.</summary>
    public DateTimeOffset? QueuedAt { get; init; }

    /// <summary>When a runner first started the current attempt.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When the stage completed or failed.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>The runner working on it (or that last did).</summary>
    public string? Runner { get; init; }

    /// <summary>The step of the newest checkpoint, the point a restarted runner resumes from.</summary>
    public long? LastCheckpointStep { get; init; }

    /// <summary>The stage's numbers (final loss, tokens/s, …), by name.</summary>
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }

    /// <summary>What the stage produced, by name (<see cref="Stages.ArtifactNames"/>): the blob path of each.</summary>
    public required IReadOnlyDictionary<string, string> Artifacts { get; init; }

    /// <summary>A stage not yet queued.</summary>
    public static StageState Pending(string name) => new()
    {
        Name = name,
        Status = StageStatus.Pending,
        Attempt = 0,
        Metrics = new Dictionary<string, double>(),
        Artifacts = new Dictionary<string, string>(),
    };
}
