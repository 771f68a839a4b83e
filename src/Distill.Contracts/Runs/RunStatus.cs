using System.Text.Json.Serialization;

namespace Distill.Contracts.Runs;

/// <summary>Where a run is: accepted → running → completed, or failed from either.</summary>
public enum RunStatus
{
    /// <summary>The manifest was read and the run created; no stage has started.</summary>
    [JsonStringEnumMemberName("accepted")]
    Accepted,

    /// <summary>A stage has started.</summary>
    [JsonStringEnumMemberName("running")]
    Running,

    /// <summary>Every stage completed, the gates passed and the student was published. Final.</summary>
    [JsonStringEnumMemberName("completed")]
    Completed,

    /// <summary>Bad input, a failed stage, a missed gate or a dead-lettered command. Final.</summary>
    [JsonStringEnumMemberName("failed")]
    Failed,
}
