using System.Text.Json.Serialization;

namespace Distill.Contracts.Events;

/// <summary><c>distill.stage.failed</c>: a stage failed for a reason retrying cannot fix; the run fails with it.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record StageFailed : StageEventData
{
    /// <summary>Every reason, each a sentence a user can act on.</summary>
    public required IReadOnlyList<string> Reasons { get; init; }
}
