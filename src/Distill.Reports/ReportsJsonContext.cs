using System.Text.Json.Serialization;

namespace Distill.Reports;

/// <summary>The source-generated JSON contract of the files Distill.Reports reads and writes.</summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    IgnoreReadOnlyProperties = false)]
[JsonSerializable(typeof(TrainingHistory))]
internal sealed partial class ReportsJsonContext : JsonSerializerContext;
