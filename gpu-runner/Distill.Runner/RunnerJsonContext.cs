using System.Text.Json.Serialization;
using Distill.Training.Trainers;

namespace Distill.Runner;

/// <summary>
/// The source-generated JSON contract of the runner's own blobs: the checkpoint pointer, in the layout
/// <see cref="LocalCheckpointStore"/> writes (<c>{"step", "folder", "kept"}</c>).
/// </summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CheckpointPointer))]
internal sealed partial class RunnerJsonContext : JsonSerializerContext;
