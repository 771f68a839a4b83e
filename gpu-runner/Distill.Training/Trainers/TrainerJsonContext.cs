using System.Text.Json.Serialization;

namespace Distill.Training.Trainers;

/// <summary>The source-generated JSON contract of the trainer's files (checkpoint state and pointer).</summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(TrainerState))]
[JsonSerializable(typeof(CheckpointPointer))]
internal sealed partial class TrainerJsonContext : JsonSerializerContext;
