using System.Text.Json.Serialization;

namespace Distill.Contracts.Manifests;

/// <summary>What the prepare stage does with an empty file, an invalid JSON line or bytes that are not UTF-8 (<c>data.invalidRecords</c>).</summary>
public enum InvalidRecordAction
{
    /// <summary><c>fail</c>: stop and fail the run, listing every bad record.</summary>
    [JsonStringEnumMemberName("fail")]
    Fail,

    /// <summary><c>skip</c>: leave the record out and report it as a warning.</summary>
    [JsonStringEnumMemberName("skip")]
    Skip,
}
