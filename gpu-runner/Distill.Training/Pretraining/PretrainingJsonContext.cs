using System.Text.Json.Serialization;

namespace Distill.Training.Pretraining;

/// <summary>The source-generated JSON of run.json and training.json (camelCase; non-finite numbers as "NaN").</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(PretrainingSetup))]
[JsonSerializable(typeof(PretrainingReport))]
public sealed partial class PretrainingJsonContext : JsonSerializerContext;
