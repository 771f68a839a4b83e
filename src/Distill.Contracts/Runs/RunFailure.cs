using System.Text.Json.Serialization;

namespace Distill.Contracts.Runs;

/// <summary>Why a run failed: every reason (a manifest's problems, a stage's error, the missed gates), and the stage, if one failed.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record RunFailure
{
    /// <summary>The stage that failed; null when the run failed outside a stage (bad input on upload, a missed gate).</summary>
    public string? Stage { get; init; }

    /// <summary>Every reason, each a sentence a user can act on.</summary>
    public required IReadOnlyList<string> Reasons { get; init; }
}
