using System.Globalization;
using System.Text;
using System.Text.Json;
using Distill.Contracts.Methods;

namespace Distill.Training.Comparison;

/// <summary>
/// What a <see cref="MethodComparison"/> measured: every (method, seed) run, each method's mean ± sample standard
/// deviation, the teacher's own perplexity, and the settings. JSON through <see cref="ToJson"/> (source-generated,
/// camelCase); a Markdown page through <see cref="ToMarkdown"/>.
/// </summary>
public sealed record ComparisonReport
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>The command that produced the report, when the caller gives it (shown in the Markdown).</summary>
    public string? Command { get; init; }

    public required ComparisonTeacher Teacher { get; init; }

    public required ComparisonStudent Student { get; init; }

    public required ComparisonData Data { get; init; }

    public required ComparisonTraining Training { get; init; }

    public required IReadOnlyList<ulong> Seeds { get; init; }

    /// <summary>The method sections as run, in the order given.</summary>
    public required IReadOnlyList<MethodOptions> Methods { get; init; }

    /// <summary>Every run, seed by seed, in the order they ran.</summary>
    public required IReadOnlyList<ComparisonRun> Runs { get; init; }

    /// <summary>One per method, in the order of <see cref="Methods"/>.</summary>
    public required IReadOnlyList<MethodSummary> Summaries { get; init; }

    public required ComparisonMachine Machine { get; init; }

    /// <summary>Wall-clock seconds of the whole comparison (tokenizing and evaluations included).</summary>
    public required double TotalSeconds { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, ComparisonJsonContext.Default.ComparisonReport);

    /// <exception cref="JsonException">The text is not a comparison report.</exception>
    public static ComparisonReport FromJson(string json) =>
        JsonSerializer.Deserialize(json, ComparisonJsonContext.Default.ComparisonReport)
        ?? throw new JsonException("the comparison report is null");

    /// <summary>The summary of <paramref name="method"/>, or null when it did not run.</summary>
    public MethodSummary? Summary(string method) => Summaries.FirstOrDefault(s => s.Method == method);

    /// <summary>
    /// A Markdown page: the teacher (with its own perplexity), student, data, training and machine as lines; the results
    /// table (method, perplexity, top-1 agreement, KL to the teacher, wall-clock, each mean ± sample std); and a table
    /// of each method's settings.
    /// </summary>
    public string ToMarkdown()
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("# Distillation methods compared");
        text.AppendLine();
        if (Command is not null)
        {
            text.AppendLine(c, $"Produced by `{Command}`.");
            text.AppendLine();
        }
        var t = Teacher;
        var evaluated = string.Create(c, $"{Data.EvaluatedTokens:N0} held-out tokens");
        var trained = t.TrainingSeconds is { } teacherSeconds
            ? string.Create(c, $"; trained for {t.TrainingSteps:N0} steps in {FormatDuration(teacherSeconds)} (its training.json)")
            : "";
        text.AppendLine(c, $"- **Teacher**: {t.ModelType}, {t.Layers} layers × {t.HiddenSize} wide, {t.Heads} heads, {t.Parameters:N0} parameters, vocabulary {t.VocabSize:N0}; perplexity **{t.Perplexity:F2}** on the {evaluated}{trained}.");
        var s = Student;
        var copied = s.CopiedTensors == 0
            ? "no tensor fits the teacher's, so every weight starts from the seed"
            : string.Create(c, $"{s.CopiedTensors} tensors copied from the teacher, the rest from the seed");
        text.AppendLine(c, $"- **Student**: {s.Layers} layers × {s.HiddenSize} wide, {s.Heads} heads, MLP {s.IntermediateSize}, {s.Parameters:N0} parameters = {s.ParameterRatio:F2} × the teacher's; {copied}.");
        var d = Data;
        text.AppendLine(c, $"- **Data**: {d.TrainDocuments:N0} training documents ({d.TrainTokens:N0} tokens); {d.ValidationDocuments:N0} held-out documents ({d.ValidationTokens:N0} tokens), of which the first {d.EvaluatedBlocks:N0} blocks of {d.BlockSize} ({evaluated}) are evaluated.");
        var r = Training;
        text.AppendLine(c, $"- **Training, the same for every run**: {r.Steps:N0} steps × {r.BatchSize * r.GradientAccumulation} blocks of {d.BlockSize} tokens ({r.TokensPerRun:N0} tokens per run), AdamW, learning rate {r.LearningRate:G3} with {r.WarmupSteps} warmup steps and a cosine decay to {r.MinLearningRate:G3}, weight decay {r.WeightDecay:G3}, on {r.Device}; seeds {string.Join(", ", Seeds)}.");
        var m = Machine;
        var total = t.TrainingSeconds is { } seconds
            ? string.Create(c, $" ({FormatDuration(seconds + TotalSeconds)} with the teacher's training steps)")
            : "";
        var load = m.LoadAverageAtStart is { } atStart && m.LoadAverageAtEnd is { } atEnd
            ? string.Create(c, $"; load average {atStart:F1} at the start and {atEnd:F1} at the end")
            : "";
        text.AppendLine(c, $"- **Machine**: {m.ProcessorCount} cores, {m.TorchThreads} libtorch thread{(m.TorchThreads == 1 ? "" : "s")}, {m.OperatingSystem}; {Runs.Count} runs and their evaluations in {FormatDuration(TotalSeconds)}{total}, {m.CpuSeconds:N0} CPU seconds{load}.");
        if (m.WasLoaded)
        {
            text.AppendLine();
            text.AppendLine(c, $"**The machine was loaded**: other work shared its {m.ProcessorCount} cores (a load average above {m.ProcessorCount + 1}, where the comparison alone keeps about {m.ProcessorCount}), so every wall-clock time here is longer than the comparison alone would take. The times still compare the methods with each other only roughly, since the load changed while they ran.");
        }
        text.AppendLine();
        text.AppendLine("| method | perplexity ↓ | top-1 agreement ↑ | KL to teacher ↓ | wall-clock (s) | CPU time (s) |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var summary in Summaries)
        {
            text.AppendLine(c, $"| {summary.Method} | {Format(summary.Perplexity, "F2")} | {FormatPercent(summary.TopOneAgreement)} | {Format(summary.ForwardKl, "F3")} | {Format(summary.Seconds, "F1")} | {Format(summary.CpuSeconds, "F1")} |");
        }
        text.AppendLine();
        var seeds = Seeds.Count == 1 ? "one seed (no deviation)" : string.Create(c, $"{Seeds.Count} seeds");
        text.AppendLine(c, $"Mean ± sample standard deviation over {seeds}. Perplexity is the student's on the held-out tokens; agreement and KL(teacher ‖ student) compare its next-token distribution with the teacher's at the same positions. The wall-clock covers building the student and training it (for TED, Stage I of both models' filters too), not the evaluation; the CPU time is what the process's threads spent over the same span, which other work on the machine does not inflate.");
        AppendAgainstKd(text);
        text.AppendLine();
        text.AppendLine("## Method settings");
        text.AppendLine();
        text.AppendLine("| method | loss weights | temperature | other |");
        text.AppendLine("|---|---|---:|---|");
        foreach (var method in Methods)
        {
            var summary = Summary(method.Name ?? "");
            text.AppendLine(c, $"| {method.Name} | {DescribeWeights(method.EffectiveWeights())} | {(method.Name == MethodNames.Ce ? "–" : method.EffectiveTemperature.ToString("G3", c))} | {DescribeSettings(method, summary)} |");
        }
        return text.ToString();
    }

    /// <summary>
    /// Each method's perplexity against KD's: ahead or behind, and whether the gap exceeds the seeds' spread
    /// (√(s₁² + s₂²), the standard deviation of the difference of two runs). Nothing without KD.
    /// </summary>
    private void AppendAgainstKd(StringBuilder text)
    {
        var kd = Summary(MethodNames.Kd);
        if (kd is null || Summaries.Count < 2)
        {
            return;
        }
        var c = CultureInfo.InvariantCulture;
        text.AppendLine();
        text.AppendLine("## Against KD");
        text.AppendLine();
        text.AppendLine("Held-out perplexity against KD's, a difference counted as clear when it exceeds the seeds' spread √(s₁² + s₂²):");
        text.AppendLine();
        foreach (var summary in Summaries.Where(s => s.Method != MethodNames.Kd))
        {
            var difference = summary.Perplexity.Mean - kd.Perplexity.Mean;
            var spread = summary.Perplexity.StandardDeviation is { } a && kd.Perplexity.StandardDeviation is { } b ? Math.Sqrt(a * a + b * b) : (double?)null;
            var clear = spread is { } limit && Math.Abs(difference) > limit;
            var gap = string.Create(c, $"{Math.Abs(difference):F2}{(spread is { } sd ? string.Create(c, $", spread {sd:F2}") : ", one seed: no spread")}");
            // The CPU time measures the work whatever else shares the machine; the wall-clock when there is none.
            var cost = kd.CpuSeconds.Mean > 0 && summary.CpuSeconds.Mean > 0
                ? string.Create(c, $" It took {summary.CpuSeconds.Mean / kd.CpuSeconds.Mean:F1} × KD's CPU time.")
                : kd.Seconds.Mean > 0 ? string.Create(c, $" It took {summary.Seconds.Mean / kd.Seconds.Mean:F1} × KD's wall-clock.") : "";
            string verdict;
            if (summary.Method == MethodNames.Ce)
            {
                verdict = difference > 0
                    ? clear ? $"KD beats training without the teacher clearly ({gap})." : $"KD is ahead of training without the teacher, but within the seeds' spread ({gap})."
                    : clear ? $"training without the teacher beats KD ({gap}): the teacher does not help at this scale." : $"training without the teacher is level with KD ({gap}): the teacher does not clearly help at this scale.";
            }
            else
            {
                verdict = difference < 0
                    ? clear ? $"beats KD clearly ({gap})." : $"ahead of KD but within the seeds' spread ({gap}): not a clear gain at this scale."
                    : clear ? $"does not beat KD at this scale: behind it clearly ({gap})." : $"does not beat KD at this scale: behind it within the seeds' spread ({gap}).";
            }
            text.AppendLine(c, $"- **{summary.Method}**: {verdict}{cost}");
        }
    }

    private static string Format(MeanAndDeviation value, string format) =>
        value.StandardDeviation is { } deviation
            ? value.Mean.ToString(format, CultureInfo.InvariantCulture) + " ± " + deviation.ToString(format, CultureInfo.InvariantCulture)
            : value.Mean.ToString(format, CultureInfo.InvariantCulture);

    private static string FormatPercent(MeanAndDeviation value) =>
        Format(new MeanAndDeviation(100 * value.Mean, 100 * value.StandardDeviation), "F1") + " %";

    private static string FormatDuration(double seconds)
    {
        var span = TimeSpan.FromSeconds(seconds);
        return string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes}:{span.Seconds:D2}");
    }

    private static string DescribeWeights(TermWeights w)
    {
        (string Name, double Value)[] terms = [("ce", w.Ce), ("kd", w.Kd), ("reverse KL", w.ReverseKl), ("atkd", w.Atkd), ("hidden", w.Hidden), ("attention", w.Attention)];
        return string.Join(", ", terms.Where(p => p.Value > 0).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Name} {p.Value:G4}")));
    }

    private static string DescribeSettings(MethodOptions method, MethodSummary? summary)
    {
        var c = CultureInfo.InvariantCulture;
        switch (method.Name)
        {
            case MethodNames.Atkd:
                var atkd = method.EffectiveAtkd;
                return string.Create(c, $"λ {atkd.Lambda:G3}, hard fraction {atkd.HardFraction:G3}, {atkd.Setting}");
            case MethodNames.Ted:
                var ted = method.EffectiveTed;
                var steps = summary?.StageOneSteps ?? 2L * ted.StageOneSteps;
                return string.Create(c,
                    $"Stage I: {steps:N0} steps ({ted.StageOneSteps:N0} for the teacher's filters, {ted.StageOneSteps:N0} for the student's) at learning rate {ted.StageOneLearningRate:G3}, counted in the wall-clock; d_f {(ted.FilterWidth is { } width ? width.ToString(c) : "= the teacher's width")}, {(ted.Nonlinear ? "two-layer" : "linear")} filters");
            case MethodNames.Lwd:
                return "projections d_s → d_t trained with the student; raw teacher states";
            case MethodNames.FeatureAlignment:
                var alignment = method.EffectiveFeatureAlignment;
                return $"hidden loss {alignment.HiddenLoss}, {(alignment.LayerPairs is null ? "uniform layer map" : "explicit layer pairs")}";
            default:
                return "";
        }
    }
}
