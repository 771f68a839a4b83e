using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Distill.Bench.Reporting;

/// <summary>The `--json` output's serializer (source-generated).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(BenchReport))]
[JsonSerializable(typeof(Pipeline.PipelineReport))]
internal sealed partial class BenchJsonContext : JsonSerializerContext
{
    /// <summary>The report as indented JSON, with text as written (→, ³, apostrophes) rather than \u escapes.</summary>
    public static string Write(BenchReport report)
    {
        var options = new JsonSerializerOptions(Default.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        return JsonSerializer.Serialize(report, new BenchJsonContext(options).BenchReport);
    }

    /// <summary>The pipeline suite's report as indented JSON, written as <see cref="Write(BenchReport)"/> writes.</summary>
    public static string Write(Pipeline.PipelineReport report)
    {
        var options = new JsonSerializerOptions(Default.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        return JsonSerializer.Serialize(report, new BenchJsonContext(options).PipelineReport);
    }
}
