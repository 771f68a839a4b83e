using System.Globalization;
using System.Text.Json;

namespace Distill.Training.Evaluation;

/// <summary>
/// The result of evaluating a model (and optionally its teacher) on a dataset split: quality, agreement with the
/// teacher, speed, and sample continuations. Serialise it with <see cref="ToJson"/>; show it with
/// <see cref="MetricsTable"/> and <see cref="SamplesTable"/> (or <see cref="ToPlainText"/>).
/// </summary>
public sealed record EvaluationReport
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>The dataset folder.</summary>
    public required string Dataset { get; init; }

    /// <summary>"train" or "validation".</summary>
    public required string Split { get; init; }

    /// <summary>Blocks evaluated (the split's first ones, in stored order).</summary>
    public required long Blocks { get; init; }

    /// <summary>Input positions per block.</summary>
    public required int BlockSize { get; init; }

    /// <summary>Targets that counted (masked targets excluded): the weight of every mean in the report.</summary>
    public required long TokensEvaluated { get; init; }

    /// <summary>The evaluated model.</summary>
    public required ModelMetrics Student { get; init; }

    /// <summary>The teacher, when one was given.</summary>
    public ModelMetrics? Teacher { get; init; }

    /// <summary>Fraction of counted positions where the student's most likely token is the teacher's.</summary>
    public double? TopOneAgreement { get; init; }

    /// <summary>Mean KL(teacher ‖ student) of the next-token distributions, in nats per counted position.</summary>
    public double? ForwardKl { get; init; }

    /// <summary>Continuations written by the models.</summary>
    public IReadOnlyList<ModelSamples> Samples { get; init; } = [];

    public string ToJson() => JsonSerializer.Serialize(this, EvaluationJsonContext.Default.EvaluationReport);

    public static EvaluationReport FromJson(string json) =>
        JsonSerializer.Deserialize(json, EvaluationJsonContext.Default.EvaluationReport)
        ?? throw new JsonException("the evaluation report is null");

    /// <summary>One row per model: name, parameters, perplexity, agreement and KL (the student's), tokens/s, tokens.</summary>
    public ReportTable MetricsTable()
    {
        var rows = new List<IReadOnlyList<string>> { MetricsRow(Student, TopOneAgreement, ForwardKl) };
        if (Teacher is not null)
        {
            rows.Add(MetricsRow(Teacher, null, null));
        }
        return new ReportTable(
            $"{Split} split of {Dataset}: {Blocks:N0} blocks of {BlockSize}",
            ["model", "parameters", "perplexity", "top-1 agreement", "KL(teacher‖model)", "tokens/s", "tokens"],
            rows);
    }

    /// <summary>One row per continuation: model, strategy, prompt, continuation (newlines shown as ↵, "[eos]" when it ended there).</summary>
    public ReportTable SamplesTable() => new(
        "samples",
        ["model", "strategy", "prompt", "continuation"],
        Samples.SelectMany(m => m.Samples.Select(s => (IReadOnlyList<string>)[m.Model, s.Strategy, OneLine(s.Prompt), OneLine(s.Continuation) + (s.StoppedAtEos ? " [eos]" : "")])).ToList());

    /// <summary>Both tables as plain text (the samples table only when there are samples).</summary>
    public string ToPlainText() =>
        Samples.Count == 0 ? MetricsTable().ToPlainText() : MetricsTable().ToPlainText() + "\n" + SamplesTable().ToPlainText();

    private IReadOnlyList<string> MetricsRow(ModelMetrics metrics, double? agreement, double? kl) =>
    [
        metrics.Name,
        metrics.Parameters.ToString("N0", CultureInfo.InvariantCulture),
        metrics.Perplexity.ToString("F3", CultureInfo.InvariantCulture),
        agreement is { } a ? a.ToString("P2", CultureInfo.InvariantCulture).Replace(" ", "", StringComparison.Ordinal) : "—",
        kl is { } k ? k.ToString("F4", CultureInfo.InvariantCulture) : "—",
        metrics.TokensPerSecond.ToString("N0", CultureInfo.InvariantCulture),
        TokensEvaluated.ToString("N0", CultureInfo.InvariantCulture),
    ];

    private static string OneLine(string text) => text.ReplaceLineEndings("↵").Replace('\t', ' ');
}
