using System.Globalization;
using System.Text;
using Distill.Bench.Measurement;
using Distill.Bench.Reporting;

namespace Distill.Bench.Pipeline;

/// <summary>Renders the pipeline report as Markdown: a machine line, the throughput table, the latencies, the overhead, then notes.</summary>
public static class PipelineMarkdown
{
    public static string Render(PipelineReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var m = report.Machine;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"**pipeline** — the embedded stack (SQLite bus, folder blobs, handlers, stage runner) vs the raw operations beneath it, one run, {report.Seconds:F0} s");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Machine: {m.Cpu}, {m.Cores} cores; load average (1 min) {m.LoadAtStart:F1} at the start, {m.LoadAtEnd:F1} at the end; stores in {m.StoreFolder} on {(m.FileSystem.Length > 0 ? m.FileSystem : "an unknown file system")}; SQLite {m.SqliteVersion}; libtorch {m.LibtorchVersion} with {m.Threads} thread{(m.Threads == 1 ? "" : "s")}; {m.Dotnet}.");
        if (report.Rows.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("| pipeline | Distill | peer | peer's | Distill / peer | goal |");
            text.AppendLine("|---|--:|---|--:|--:|---|");
            foreach (var row in report.Rows)
            {
                var goal = row.Goal is null ? "—" : $"{row.Goal} {(row.GoalMet == true ? "met" : "**missed**")}";
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {row.Name}, {row.Unit} | {Cell(row.Ours)} | {row.PeerName} | {Cell(row.Peer)} | {row.Ratio:F2} | {goal} |");
            }
            text.AppendLine();
            text.AppendLine("Median of the timed runs after warm-up, (min–max) in brackets, higher is better; the two sides ran alternately, one run each in turn; the ratio is of the medians.");
        }
        if (report.Latencies.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("| hand-off: event published → next stage's stage.started | samples | median | p95 | min–max |");
            text.AppendLine("|---|--:|--:|--:|--:|");
            foreach (var row in report.Latencies)
            {
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {row.Name} | {row.Samples} | {Ms(row.MedianMs)} | {Ms(row.P95Ms)} | {Ms(row.MinMs)}–{Ms(row.MaxMs)} |");
            }
        }
        if (report.Overhead is { } o)
        {
            text.AppendLine();
            text.AppendLine("| demo-like run, stage | hand-off before it, s | stage.started → stage.completed, s | inside the executor, s |");
            text.AppendLine("|---|--:|--:|--:|");
            foreach (var stage in o.Stages)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {stage.Stage} | {stage.HandoffSeconds:F3} | {stage.StageSeconds:F2} | {stage.ExecutorSeconds:F2} |");
            }
            text.AppendLine(CultureInfo.InvariantCulture, $"| gates and publication (evaluate's stage.completed → distill.pipeline.completed) | | {o.FinishSeconds:F3} | |");
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture,
                $"Overhead of the pipeline: {o.OverheadSeconds:F2} s of {o.WallSeconds:F1} s wall time (upload notification → distill.pipeline.completed) = **{o.Share * 100:F2}%** (goal {GoalText(o.Goal)}: {(o.GoalMet ? "met" : "**missed**")}); the executors took {o.ExecutorSeconds:F1} s, of which the trainer's steps {o.TrainingSeconds:F1} s. The upload before it took {o.UploadSeconds:F2} s. Teacher {o.TeacherParameters:N0} parameters, student {o.StudentParameters:N0}, {o.TrainingSteps} steps.");
        }
        text.AppendLine();
        foreach (var note in report.Notes)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- {note}");
        }
        return text.ToString();
    }

    private static string Cell(Summary summary) =>
        $"{MarkdownReport.Number(summary.Median)} ({MarkdownReport.Number(summary.Min)}–{MarkdownReport.Number(summary.Max)})";

    private static string Ms(double milliseconds) => MarkdownReport.Number(milliseconds) + " ms";

    private static string GoalText(Goal goal) =>
        string.Create(CultureInfo.InvariantCulture, $"{(goal.Kind == GoalKind.AtLeast ? "≥" : "≤")} {goal.Threshold * 100:0.#}%");
}
