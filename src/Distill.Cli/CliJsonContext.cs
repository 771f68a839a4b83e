using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Distill.Cli.Commands;

namespace Distill.Cli;

/// <summary>The source-generated JSON the `distill` verbs print (camelCase, one line).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TokenizeResult))]
[JsonSerializable(typeof(GenerateResult))]
[JsonSerializable(typeof(SubmitResult))]
[JsonSerializable(typeof(RunList))]
[JsonSerializable(typeof(WorkerLine))]
[JsonSerializable(typeof(DemoLine))]
[JsonSerializable(typeof(DemoSummary))]
[JsonSerializable(typeof(string))]
internal sealed partial class CliJsonContext : JsonSerializerContext
{
    /// <summary>Like <see cref="Default"/>, but characters outside ASCII are written as themselves (token strings stay readable).</summary>
    public static CliJsonContext Relaxed { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
