using System.Text.Json.Serialization;

namespace Distill.Contracts.Events;

/// <summary><c>distill.pipeline.failed</c>: the run failed, with every reason and the stage that failed, if one did.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record PipelineFailed : DistillEventData
{
    /// <summary>The manifest's name (the run id when the manifest had no valid one).</summary>
    public required string Name { get; init; }

    /// <summary>The stage that failed; null when the run failed outside one (an invalid upload, a missed gate).</summary>
    public string? FailedStage { get; init; }

    /// <summary>Every reason, each a sentence a user can act on.</summary>
    public required IReadOnlyList<string> Reasons { get; init; }
}
