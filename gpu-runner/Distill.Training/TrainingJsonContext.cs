using System.Text.Json.Serialization;
using Distill.Training.Data;

namespace Distill.Training;

/// <summary>The source-generated JSON contract of the files Distill.Training writes.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TokenDatasetIndex))]
[JsonSerializable(typeof(DataCursor))]
internal sealed partial class TrainingJsonContext : JsonSerializerContext;
