using System.Text.Json.Serialization;

namespace Distill.Contracts.Runs;

/// <summary>Where a stage is: pending → queued → running → completed, or failed from queued or running.</summary>
public enum StageStatus
{
    /// <summary>Not yet queued.</summary>
    [JsonStringEnumMemberName("pending")]
    Pending,

    /// <summary>Its command is on the stages queue.</summary>
    [JsonStringEnumMemberName("queued")]
    Queued,

    /// <summary>A runner holds its lease and is working on it.</summary>
    [JsonStringEnumMemberName("running")]
    Running,

    /// <summary>Done; its artifacts are written. Final.</summary>
    [JsonStringEnumMemberName("completed")]
    Completed,

    /// <summary>Failed; the run failed with it. Final.</summary>
    [JsonStringEnumMemberName("failed")]
    Failed,
}
