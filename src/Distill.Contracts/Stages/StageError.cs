using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Distill.Contracts.Json;
using Distill.Contracts.Storage;

namespace Distill.Contracts.Stages;

/// <summary>
/// The last unexpected error a runner met on a stage's attempt (<see cref="BlobPaths.StageLastError"/>), written before it
/// abandons the command for a redelivery. The bus cannot carry the error with the message, so when the command is
/// dead-lettered the pipeline reads it from here to say why the run failed.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record StageError
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required string RunId { get; init; }

    public required string Stage { get; init; }

    public required int Attempt { get; init; }

    /// <summary>The delivery of the stage command that met the error (1 for the first).</summary>
    public required int DeliveryCount { get; init; }

    /// <summary>The runner that met it.</summary>
    public required string Runner { get; init; }

    public required DateTimeOffset Time { get; init; }

    /// <summary>The exception's type name, such as <c>IOException</c>.</summary>
    public required string ErrorType { get; init; }

    /// <summary>The exception's message.</summary>
    public required string Message { get; init; }

    /// <summary>"the last error (delivery 5, runner r1): IOException: …", for a failure reason.</summary>
    public string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"the last error (delivery {DeliveryCount}, runner {Runner}): {ErrorType}: {Message.ReplaceLineEndings(" ").Trim()}");

    public string ToJson() => JsonSerializer.Serialize(this, ContractsJsonContext.Indented.StageError);

    /// <summary>Reads a stage error; malformed JSON or another schema version throws <see cref="JsonException"/>.</summary>
    public static StageError FromJson(string json)
    {
        var error = ContractJson.Read(json, ContractsJsonContext.Default.StageError, "a stage error");
        ContractJson.RequireSchemaVersion(error.SchemaVersion, CurrentSchemaVersion, "a stage error");
        return error;
    }
}
