using System.Globalization;
using System.Text;
using Distill.Contracts.Methods;
using Distill.Contracts.Models;

namespace Distill.Pipeline.Handlers;

/// <summary>
/// The <c>README.md</c> published next to a student: a Hugging Face model card, with YAML front matter
/// (<c>library_name</c>, <c>pipeline_tag</c>, <c>base_model</c>, <c>tags</c>, <c>datasets</c>), then the evaluation
/// (teacher against student), each stage's final numbers, and the lineage: the teacher and its config, the data files
/// with sizes, ETags and a hash, the method and its options, and the full manifest.
/// </summary>
public static class ModelCard
{
    /// <summary>The card's file name in the published folder.</summary>
    public const string FileName = "README.md";

    /// <summary>The card's content type.</summary>
    public const string ContentType = "text/markdown; charset=utf-8";

    /// <summary>The model card as Markdown.</summary>
    public static string Write(ModelCardContent content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var card = new StringBuilder();
        var manifest = content.Manifest;
        var method = manifest.Method?.Name ?? "unknown";
        var teacher = content.TeacherConfig;
        var dataFiles = content.Files.Where(f => f.Role != "teacher").ToList();

        card.AppendLine("---");
        card.AppendLine("library_name: transformers");
        card.AppendLine("pipeline_tag: text-generation");
        card.AppendLine(Invariant($"base_model: {Yaml(BaseModel(content))}"));
        card.AppendLine("tags:");
        foreach (var tag in new[] { "distill", "knowledge-distillation", method, teacher.ModelType }.Distinct(StringComparer.Ordinal))
        {
            card.AppendLine(Invariant($"- {Yaml(tag)}"));
        }
        card.AppendLine("datasets:");
        foreach (var file in dataFiles)
        {
            card.AppendLine(Invariant($"- {Yaml(file.Blob)}"));
        }
        card.AppendLine("---");
        card.AppendLine();

        var comparison = content.Comparison;
        card.AppendLine(Invariant($"# {content.ModelName}"));
        card.AppendLine();
        card.AppendLine(Invariant(
            $"A {teacher.ModelType} student ({Shape(content.StudentConfig)}{Count(comparison.StudentParameters)} parameters) distilled by Distill from the teacher `{content.Teacher}` ({Shape(teacher)}{Count(comparison.TeacherParameters)} parameters) with the `{method}` method, in run `{content.RunId}`, published {content.PublishedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z. The folder is in the Hugging Face layout (config.json, model.safetensors, tokenizer.json)."));
        card.AppendLine();

        card.AppendLine("## Evaluation");
        card.AppendLine();
        card.AppendLine(Invariant($"On {Count(comparison.TokensEvaluated)} validation tokens:"));
        card.AppendLine();
        card.AppendLine("| metric | teacher | student |");
        card.AppendLine("|---|---:|---:|");
        card.AppendLine(Invariant($"| parameters | {Count(comparison.TeacherParameters)} | {Count(comparison.StudentParameters)} |"));
        card.AppendLine(Invariant($"| perplexity | {Number(comparison.TeacherPerplexity)} | {Number(comparison.StudentPerplexity)} |"));
        card.AppendLine(Invariant($"| tokens/s (forward pass) | {Number(comparison.TeacherTokensPerSecond)} | {Number(comparison.StudentTokensPerSecond)} |"));
        card.AppendLine();
        card.AppendLine("| student against teacher | value |");
        card.AppendLine("|---|---:|");
        card.AppendLine(Invariant($"| perplexity ratio (student / teacher) | {Number(comparison.PerplexityRatio)} |"));
        card.AppendLine(Invariant($"| size ratio (student / teacher) | {Number(comparison.SizeRatio)} |"));
        card.AppendLine(Invariant($"| speedup | {Number(comparison.Speedup)} |"));
        card.AppendLine(Invariant($"| top-1 agreement | {Number(comparison.TopOneAgreement)} |"));
        card.AppendLine(Invariant($"| KL(teacher ‖ student), nats per position | {Number(comparison.ForwardKl)} |"));
        card.AppendLine();
        var gates = manifest.Evaluation.Gates;
        var gateLines = new List<string>();
        if (gates.MaxPerplexityRatio is { } ratio)
        {
            gateLines.Add(Invariant($"perplexity ratio ≤ {Number(ratio)} (got {Number(comparison.PerplexityRatio)})"));
        }
        if (gates.MinTopOneAgreement is { } agreement)
        {
            gateLines.Add(Invariant($"top-1 agreement ≥ {Number(agreement)} (got {Number(comparison.TopOneAgreement)})"));
        }
        if (gates.MaxForwardKl is { } kl)
        {
            gateLines.Add(Invariant($"forward KL ≤ {Number(kl)} (got {Number(comparison.ForwardKl)})"));
        }
        card.AppendLine(gateLines.Count == 0
            ? "Gates: none were set (`evaluation.gates`)."
            : "Gates passed: " + string.Join("; ", gateLines) + ".");
        card.AppendLine();
        card.AppendLine(Invariant($"The full evaluation report (with sample continuations) is in `{content.Report}`."));
        card.AppendLine();

        card.AppendLine("## Stages");
        card.AppendLine();
        card.AppendLine("| stage | attempt | final numbers |");
        card.AppendLine("|---|---:|---|");
        foreach (var stage in content.Stages)
        {
            var numbers = stage.Metrics.Count == 0 ? "" : string.Join(", ", stage.Metrics.Select(m => Invariant($"{m.Key} {Number(m.Value)}")));
            card.AppendLine(Invariant($"| {Cell(stage.Name)} | {stage.Attempt} | {Cell(numbers)} |"));
        }
        card.AppendLine();

        card.AppendLine("## Lineage");
        card.AppendLine();
        card.AppendLine(Invariant($"- Run: `{content.RunId}` (manifest name `{manifest.Name}`); manifest SHA-256 `{content.ManifestSha256}`"));
        card.AppendLine(Invariant($"- Teacher: `{content.Teacher}`: {Describe(teacher)}"));
        if (content.StudentConfig is { } student)
        {
            card.AppendLine(Invariant($"- Student: `{content.Student}`: {Describe(student)}; initialised from {(manifest.Student.Init == Contracts.Manifests.StudentInit.Random ? "random weights" : "the teacher's layers")} (seed {manifest.Student.Seed})"));
        }
        card.AppendLine(Invariant($"- Method: `{method}`{MethodSummary(manifest.Method)}"));
        card.AppendLine(Invariant($"- Training: {manifest.Training.Steps} steps, batch {manifest.Training.BatchSize} × {manifest.Training.GradientAccumulation} of {manifest.Data.BlockSize} tokens, learning rate {Number(manifest.Training.LearningRate)}, seed {manifest.Training.Seed}"));
        card.AppendLine(Invariant($"- Data hash: `{content.DataHash}` (SHA-256 of each data file's blob name, size and ETag)"));
        card.AppendLine();
        card.AppendLine("| file | role | bytes | ETag |");
        card.AppendLine("|---|---|---:|---|");
        foreach (var file in content.Files)
        {
            card.AppendLine(Invariant($"| `{Cell(file.Blob)}` | {file.Role} | {Count(file.Length)} | `{Cell(file.ETag)}` |"));
        }
        card.AppendLine();
        if (manifest.Method is { } options)
        {
            card.AppendLine("### Method options");
            card.AppendLine();
            card.AppendLine("```json");
            card.AppendLine(options.ToJson());
            card.AppendLine("```");
            card.AppendLine();
        }
        card.AppendLine("### Manifest");
        card.AppendLine();
        card.AppendLine("```json");
        card.AppendLine(content.ManifestJson.TrimEnd());
        card.AppendLine("```");
        return card.ToString();
    }

    /// <summary>The teacher's hub id when its config names one (<c>_name_or_path</c>), else its folder in the upload.</summary>
    private static string BaseModel(ModelCardContent content)
    {
        if (content.TeacherConfig.Source is { } source
            && source.TryGetPropertyValue("_name_or_path", out var node)
            && node is System.Text.Json.Nodes.JsonValue value
            && value.TryGetValue<string>(out var name)
            && name.Length > 0)
        {
            return name;
        }
        return content.Teacher.ToString();
    }

    private static string Shape(ModelConfig? config) => config is null
        ? ""
        : Invariant($"{config.NumLayers} layers, hidden size {config.HiddenSize}, ");

    private static string Describe(ModelConfig config) => Invariant(
        $"{config.ModelType}, {config.NumLayers} layers, hidden size {config.HiddenSize}, {config.NumHeads} heads ({config.NumKeyValueHeads} key/value), intermediate size {config.IntermediateSize}, vocabulary {config.VocabSize}, {config.MaxPositions} positions");

    private static string MethodSummary(MethodOptions? method)
    {
        if (method?.Name is not { } name || !MethodNames.All.Contains(name))
        {
            return "";
        }
        var weights = method.EffectiveWeights();
        var terms = new (string Name, double Weight)[]
        {
            ("ce", weights.Ce), ("kd", weights.Kd), ("reverse-kl", weights.ReverseKl), ("atkd", weights.Atkd), ("hidden", weights.Hidden), ("attention", weights.Attention),
        };
        var used = string.Join(", ", terms.Where(t => t.Weight != 0).Select(t => Invariant($"{t.Name} {Number(t.Weight)}")));
        return Invariant($", temperature {Number(method.EffectiveTemperature)}, weights {used}");
    }

    /// <summary>A double-quoted YAML scalar.</summary>
    private static string Yaml(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string Cell(string value) => value.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Whole numbers with thousands separators (parameter counts, tokens), others to 4 significant digits.</summary>
    private static string Number(double value) =>
        double.IsFinite(value) && Math.Abs(value) < 1e15 && value == Math.Floor(value)
            ? value.ToString("N0", CultureInfo.InvariantCulture)
            : value.ToString("G4", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
