using System.Text.Json.Serialization;

namespace Distill.Bench.Reporting;

/// <summary>The `--json` output's serializer (source-generated).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(BenchReport))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
