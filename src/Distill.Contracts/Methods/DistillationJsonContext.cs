using System.Text.Json.Serialization;

namespace Distill.Contracts.Methods;

/// <summary>The source-generated JSON contract of the method section: camelCase names, unknown names rejected.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(MethodOptions))]
internal sealed partial class DistillationJsonContext : JsonSerializerContext;
