using System.Text.Json.Serialization;

namespace Distill.Training.Comparison;

/// <summary>The source-generated JSON contract of comparison reports (camelCase, indented; non-finite numbers as "NaN"/"Infinity").</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(ComparisonReport))]
public sealed partial class ComparisonJsonContext : JsonSerializerContext;
