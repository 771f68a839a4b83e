using System.Text.Json.Serialization;

namespace Distill.Training.Distillation;

/// <summary>The source-generated JSON contract of the TED filters artifact's description.</summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(TedFilterDescription))]
internal sealed partial class TedFilterJsonContext : JsonSerializerContext;
