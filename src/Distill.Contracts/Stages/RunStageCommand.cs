using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Distill.Contracts.Json;
using Distill.Contracts.Storage;

namespace Distill.Contracts.Stages;

/// <summary>
/// The command that makes a runner run one stage of a run (sent to the stages queue). Its <see cref="MessageId"/>,
/// <c>{runId}:{stage}:{attempt}</c>, is deterministic, so the bus's duplicate detection drops a command sent twice.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record RunStageCommand
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required string RunId { get; init; }

    /// <summary>One of <see cref="StageNames.All"/>.</summary>
    public required string Stage { get; init; }

    /// <summary>1 for the first time the stage is queued; a re-queued stage gets the next number.</summary>
    public required int Attempt { get; init; }

    public required DateTimeOffset IssuedAt { get; init; }

    /// <summary>The upload holding pipeline.json, the teacher and the data (<see cref="BlobPaths.Upload"/>).</summary>
    public required BlobLocation Upload { get; init; }

    /// <summary>SHA-256 of the manifest the run was accepted with; a runner refuses an upload whose manifest changed since.</summary>
    public required string ManifestSha256 { get; init; }

    /// <summary>The bus message id: <c>{runId}:{stage}:{attempt}</c>.</summary>
    [JsonIgnore]
    public string MessageId => MessageIdFor(RunId, Stage, Attempt);

    /// <summary>A command for a stage of a run, with every id checked (an invalid one throws <see cref="ArgumentException"/>).</summary>
    public static RunStageCommand Create(string runId, string stage, int attempt, DateTimeOffset issuedAt, string manifestSha256)
    {
        if (BlobPaths.IdProblem(runId) is { } problem)
        {
            throw new ArgumentException($"runId {problem}", nameof(runId));
        }
        if (!StageNames.IsKnown(stage))
        {
            throw new ArgumentException($"unknown stage '{stage}' (known: {string.Join(", ", StageNames.All)})", nameof(stage));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        ArgumentException.ThrowIfNullOrEmpty(manifestSha256);
        return new RunStageCommand
        {
            RunId = runId,
            Stage = stage,
            Attempt = attempt,
            IssuedAt = issuedAt,
            Upload = BlobPaths.Upload(runId),
            ManifestSha256 = manifestSha256,
        };
    }

    /// <summary><c>{runId}:{stage}:{attempt}</c>.</summary>
    public static string MessageIdFor(string runId, string stage, int attempt) =>
        string.Create(CultureInfo.InvariantCulture, $"{runId}:{stage}:{attempt}");

    public string ToJson() => JsonSerializer.Serialize(this, ContractsJsonContext.Default.RunStageCommand);

    /// <summary>Reads a command; malformed JSON or another schema version throws <see cref="JsonException"/>.</summary>
    public static RunStageCommand FromJson(string json)
    {
        var command = ContractJson.Read(json, ContractsJsonContext.Default.RunStageCommand, "a stage command");
        ContractJson.RequireSchemaVersion(command.SchemaVersion, CurrentSchemaVersion, "a stage command");
        return command;
    }
}
