using System.Globalization;
using System.Text;

namespace Distill.Reports;

/// <summary>Writes a <see cref="RunReport"/> as markdown (GitHub's dialect: pipe tables, relative image links).</summary>
public static class MarkdownReport
{
    private static readonly CultureInfo s_invariant = CultureInfo.InvariantCulture;

    public static string Render(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder();
        Line(text, $"# {Escape(report.Name)}: distillation report");
        Line(text);
        Line(text, $"Run `{report.RunId}`, method **{Escape(report.Method)}**. Generated {Time(report.GeneratedAt)}.");
        Line(text);

        WhatRan(text, report);
        StagesTable(text, report);
        Comparison(text, report);
        Images(text, report);
        Samples(text, report);
        Files(text, report);
        return text.ToString();
    }

    private static void WhatRan(StringBuilder text, RunReport report)
    {
        Line(text, "## What ran");
        Line(text);
        Line(text, "| | |");
        Line(text, "|---|---|");
        Line(text, $"| method | {Escape(report.Method)}{(report.MethodDetails is { } details ? $": {Escape(details)}" : "")} |");
        Line(text, $"| teacher | {ModelLine(report.Teacher)} |");
        Line(text, $"| student | {ModelLine(report.Student)}, {Ratio(report.Comparison.SizeRatio)} of the teacher's parameters |");
        if (report.Data is { } data)
        {
            Line(text, $"| training data | {Count(data.TrainDocuments)} documents, {Count(data.TrainTokens)} tokens, {Count(data.TrainBlocks)} blocks of {data.BlockSize} |");
            Line(text, $"| validation data | {Count(data.ValidationDocuments)} documents, {Count(data.ValidationTokens)} tokens, {Count(data.ValidationBlocks)} blocks of {data.BlockSize} |");
        }
        var started = report.Stages.Select(s => s.StartedAt).Where(t => t is not null).Min();
        var completed = report.Stages.Select(s => s.CompletedAt).Where(t => t is not null).Max();
        if (started is { } first && completed is { } last && last >= first)
        {
            Line(text, $"| wall time | {FormatDuration(last - first)} from the first stage's start to the last stage's end |");
        }
        Line(text);
    }

    private static void StagesTable(StringBuilder text, RunReport report)
    {
        Line(text, "## Stages");
        Line(text);
        Line(text, "| stage | status | runner | time | steps | final loss | validation loss | tokens/s |");
        Line(text, "|---|---|---|---:|---:|---:|---:|---:|");
        foreach (var stage in report.Stages)
        {
            var time = stage.StartedAt is { } start && stage.CompletedAt is { } end && end >= start ? FormatDuration(end - start) : "—";
            var training = stage.Training;
            var steps = training is null ? "—" : Count(training.Steps) + (training.ResumedFromStep is { } resumed ? $" (resumed at {Count(resumed)})" : "");
            Line(text, $"| {Escape(stage.Name)} | {Escape(stage.Status)} | {Escape(stage.Runner ?? "—")} | {time} | {steps} | " +
                $"{Number(training?.FinalLoss, "F4")} | {Number(training?.FinalValidationLoss, "F4")} | {Number(training is { TokensPerSecond: > 0 } t ? t.TokensPerSecond : null, "N0")} |");
        }
        Line(text);
    }

    private static void Comparison(StringBuilder text, RunReport report)
    {
        var c = report.Comparison;
        Line(text, "## Teacher and student");
        Line(text);
        Line(text, $"On {Count(report.EvaluatedBlocks)} validation blocks of {report.BlockSize} tokens ({Count(c.TokensEvaluated)} tokens counted).");
        Line(text);
        Line(text, "| | teacher | student | student / teacher |");
        Line(text, "|---|---:|---:|---:|");
        Line(text, $"| parameters | {Count(c.TeacherParameters)} | {Count(c.StudentParameters)} | {Number(c.SizeRatio, "F3")} |");
        Line(text, $"| perplexity | {Number(c.TeacherPerplexity, "F3")} | {Number(c.StudentPerplexity, "F3")} | {Number(c.PerplexityRatio, "F3")} |");
        Line(text, $"| tokens/s (forward) | {Number(c.TeacherTokensPerSecond, "N0")} | {Number(c.StudentTokensPerSecond, "N0")} | {Number(c.Speedup, "F2")} |");
        Line(text, $"| top-1 agreement with the teacher | | {Ratio(c.TopOneAgreement)} | |");
        Line(text, $"| KL(teacher ‖ student), nats per token | | {Number(c.ForwardKl, "F4")} | |");
        Line(text);
        if (report.Gates is { } gates && (gates.MaxPerplexityRatio ?? gates.MinTopOneAgreement ?? gates.MaxForwardKl) is not null)
        {
            var failures = gates.Failures(c);
            Line(text, "| gate | required | measured |");
            Line(text, "|---|---:|---:|");
            if (gates.MaxPerplexityRatio is { } maxRatio)
            {
                Line(text, $"| perplexity ratio | ≤ {Number(maxRatio, "G4")} | {Number(c.PerplexityRatio, "G4")} |");
            }
            if (gates.MinTopOneAgreement is { } minAgreement)
            {
                Line(text, $"| top-1 agreement | ≥ {Number(minAgreement, "G4")} | {Number(c.TopOneAgreement, "G4")} |");
            }
            if (gates.MaxForwardKl is { } maxKl)
            {
                Line(text, $"| KL(teacher ‖ student) | ≤ {Number(maxKl, "G4")} | {Number(c.ForwardKl, "G4")} |");
            }
            Line(text);
            Line(text, failures.Count == 0
                ? "The student passes every gate."
                : $"The student misses {failures.Count} gate(s): {Escape(string.Join("; ", failures))}.");
            Line(text);
        }
    }

    private static void Images(StringBuilder text, RunReport report)
    {
        if (report.Images.Count == 0)
        {
            return;
        }
        Line(text, "## Loss curves");
        Line(text);
        foreach (var image in report.Images)
        {
            Line(text, $"![{Escape(image.Caption)}]({Uri.EscapeDataString(image.FileName)})");
            Line(text);
        }
    }

    private static void Samples(StringBuilder text, RunReport report)
    {
        if (report.Samples.Count == 0)
        {
            return;
        }
        Line(text, "## Samples");
        Line(text);
        foreach (var prompt in report.Samples.GroupBy(s => s.Prompt, StringComparer.Ordinal))
        {
            Line(text, $"Prompt: `{Code(prompt.Key)}`");
            Line(text);
            Line(text, "| model | strategy | continuation |");
            Line(text, "|---|---|---|");
            foreach (var sample in prompt)
            {
                Line(text, $"| {Escape(sample.Model)} | {Escape(sample.Strategy)} | {Escape(sample.Continuation)}{(sample.StoppedAtEos ? " *(end of text)*" : "")} |");
            }
            Line(text);
        }
    }

    private static void Files(StringBuilder text, RunReport report)
    {
        if (report.Files.Count == 0)
        {
            return;
        }
        Line(text, "## Files");
        Line(text);
        foreach (var file in report.Files)
        {
            Line(text, $"- [{Escape(file.FileName)}]({Uri.EscapeDataString(file.FileName)}): {Escape(file.Caption)}");
        }
        Line(text);
    }

    private static string ModelLine(ReportModel model)
    {
        var c = model.Config;
        var heads = c.NumKeyValueHeads != c.NumHeads ? $"{c.NumHeads} heads ({c.NumKeyValueHeads} key/value)" : $"{c.NumHeads} heads";
        return $"{Escape(c.ModelType)}, {c.NumLayers} {(c.NumLayers == 1 ? "layer" : "layers")}, width {c.HiddenSize}, {heads}, MLP {c.IntermediateSize}, " +
            $"vocabulary {Count(c.VocabSize)}, {Count(model.Parameters)} parameters (`{Code(model.Source)}`)";
    }

    /// <summary>A duration as people read it: 850 ms, 12.3 s, 4 min 05 s, 2 h 03 min.</summary>
    public static string FormatDuration(TimeSpan span) => span.TotalSeconds switch
    {
        < 1 => string.Create(s_invariant, $"{span.TotalMilliseconds:F0} ms"),
        < 60 => string.Create(s_invariant, $"{span.TotalSeconds:F1} s"),
        < 3600 => string.Create(s_invariant, $"{(int)span.TotalMinutes} min {span.Seconds:D2} s"),
        _ => string.Create(s_invariant, $"{(int)span.TotalHours} h {span.Minutes:D2} min"),
    };

    private static string Time(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", s_invariant);

    private static string Count(long value) => value.ToString("N0", s_invariant);

    private static string Ratio(double value) => double.IsFinite(value) ? value.ToString("P1", s_invariant).Replace(" ", "", StringComparison.Ordinal) : "—";

    private static string Number(double? value, string format) => value is { } v && double.IsFinite(v) ? v.ToString(format, s_invariant) : "—";

    /// <summary>Text safe inside a table cell: pipes escaped, line breaks shown as ↵, markdown's emphasis characters escaped.</summary>
    internal static string Escape(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text.ReplaceLineEndings("↵"))
        {
            if (c is '|' or '\\' or '*' or '_' or '`' or '[' or ']' or '<' or '>' or '#')
            {
                builder.Append('\\');
            }
            builder.Append(c == '\t' ? ' ' : c);
        }
        return builder.ToString();
    }

    /// <summary>Text inside a code span: backticks cannot be escaped there, so they become ʼ; line breaks become ↵.</summary>
    private static string Code(string text) => text.ReplaceLineEndings("↵").Replace('`', 'ʼ').Replace('|', '¦');

    private static void Line(StringBuilder text, string line = "") => text.Append(line).Append('\n');
}
