using System.Text.Json.Serialization;
using Distill.Pipeline.Uploads;

namespace Distill.Pipeline;

/// <summary>The JSON the pipeline reads and writes besides the contracts: storage events.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BlobCreatedData))]
internal sealed partial class PipelineJsonContext : JsonSerializerContext;
