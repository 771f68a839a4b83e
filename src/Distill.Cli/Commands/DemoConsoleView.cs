using System.Globalization;
using Distill.Contracts.Events;
using Distill.Pipeline.Uploads;
using Distill.Training.Pretraining;
using Spectre.Console;

namespace Distill.Cli.Commands;

/// <summary>
/// `distill demo` on a console: a header, progress bars (the teacher's training, the upload, one bar per stage with its
/// step, loss and tokens/s), then the teacher and the student side by side in a table, and where the files are.
/// </summary>
internal sealed class DemoConsoleView(IAnsiConsole console) : IDemoView
{
    private static readonly CultureInfo s_invariant = CultureInfo.InvariantCulture;

    public void Header(DemoSettings settings, string store, string corpus)
    {
        console.MarkupLine($"[bold]Distill demo[/]: train a teacher, then distil it into a student through the pipeline on {Markup.Escape(store)}.");
        console.MarkupLine(Markup.Escape($"Corpus: {corpus}."));
        console.MarkupLine(Markup.Escape(settings.Describe() + "."));
    }

    public void Note(string message) => console.MarkupLine(Markup.Escape(message));

    public Task<T> ShowProgressAsync<T>(Func<IDemoProgress, Task<T>> work) =>
        CliConsole.Progress(console).StartAsync(context => work(new Live(context)));

    public void TeacherReady(PretrainingReport teacher, bool trainedNow)
    {
        var text = string.Create(s_invariant, $"Teacher: {teacher.Parameters:N0} parameters, ");
        if (teacher.ValidationLoss is { } loss)
        {
            text += string.Create(s_invariant, $"validation perplexity {Math.Exp(loss):F1}, ");
        }
        text += trainedNow
            ? string.Create(s_invariant, $"trained in {CliConsole.Duration(TimeSpan.FromSeconds(teacher.TrainingSeconds))} at {teacher.TokensPerSecond:N0} tokens/s")
            : "trained by an earlier demo";
        console.MarkupLine(Markup.Escape($"{text} ({teacher.Folder})."));
    }

    public void Finished(DemoSummary summary)
    {
        if (summary.Status != "completed" || summary.Teacher is not { } teacher || summary.Student is not { } student)
        {
            console.MarkupLine(Markup.Escape($"Run {summary.RunId} failed{(summary.FailedStage is { } stage ? $" at stage {stage}" : "")} after {CliConsole.Duration(TimeSpan.FromSeconds(summary.Seconds))}."));
            return;
        }
        var table = new Table { Title = new TableTitle(Markup.Escape($"{summary.RunId}: {summary.Method} in {CliConsole.Duration(TimeSpan.FromSeconds(summary.Seconds))}")) };
        table.AddColumn("");
        table.AddColumn(new TableColumn("teacher").RightAligned());
        table.AddColumn(new TableColumn("student").RightAligned());
        table.AddColumn(new TableColumn("student / teacher").RightAligned());
        table.AddRow("parameters", Count(teacher.Parameters), Count(student.Parameters), Ratio(summary.SizeRatio));
        table.AddRow("weights on disk", CliConsole.Bytes(teacher.Bytes), CliConsole.Bytes(student.Bytes), Ratio((double)student.Bytes / teacher.Bytes));
        table.AddRow(
            Markup.Escape(summary.UniformPerplexity is { } uniform ? string.Create(s_invariant, $"perplexity (uniform guess: {uniform:N0})") : "perplexity"),
            Number(teacher.Perplexity, "F2"), Number(student.Perplexity, "F2"), Ratio(summary.PerplexityRatio));
        table.AddRow("top-1 agreement with the teacher", "", summary.TopOneAgreement is { } agreement ? agreement.ToString("P1", s_invariant) : "—", "");
        table.AddRow("speed (forward tokens/s)", Number(teacher.TokensPerSecond, "N0"), Number(student.TokensPerSecond, "N0"), Ratio(summary.Speedup));
        console.Write(table);
        console.MarkupLine(Markup.Escape($"Student: {student.Folder}"));
        if (summary.Report is { } report)
        {
            console.MarkupLine(Markup.Escape($"Report:  {Path.Join(report, Distill.Reports.RunReportFiles.Markdown)} (loss curves in {Distill.Reports.RunReportFiles.LossChart})"));
        }
        console.MarkupLine(Markup.Escape($"Try it:  distill generate --model {student.Folder} --prompt \"This License\""));
    }

    private static string Count(long value) => value.ToString("N0", s_invariant);

    private static string Number(double value, string format) => double.IsFinite(value) ? value.ToString(format, s_invariant) : "—";

    private static string Ratio(double? value) => value is { } v && double.IsFinite(v) ? string.Create(s_invariant, $"×{v:F2}") : "—";

    /// <summary>The bars: the teacher's (through <see cref="PretrainingProgressView"/>), the upload's and one per stage.</summary>
    private sealed class Live(ProgressContext context) : IDemoProgress
    {
        private readonly Dictionary<string, ProgressTask> _stages = new(StringComparer.Ordinal);
        private ProgressTask? _upload;

        public IProgress<PretrainingProgress> Teacher { get; } = new PretrainingProgressView(context, "teacher ");

        public IProgress<UploadProgress> Upload => new CallbackProgress<UploadProgress>(p =>
        {
            _upload ??= context.AddTask("upload", maxValue: Math.Max(1, p.TotalBytes));
            _upload.Value = p.BytesSent;
            _upload.Description = Markup.Escape($"upload: {p.FilesSent}/{p.TotalFiles} files, {CliConsole.Bytes(p.BytesSent)} of {CliConsole.Bytes(p.TotalBytes)}");
        });

        public void Submitted(string runId, UploadResult upload)
        {
            _upload ??= context.AddTask("upload", maxValue: 1);
            _upload.Value = _upload.MaxValue;
            _upload.Description = Markup.Escape($"submitted run {runId}: {upload.Files} files, {CliConsole.Bytes(upload.Bytes)}");
        }

        public void Event(CloudEventEnvelope cloudEvent)
        {
            switch (DistillEvents.ReadData(cloudEvent))
            {
                case RunAccepted accepted:
                    foreach (var stage in accepted.Stages)
                    {
                        Stage(stage).Description = Markup.Escape($"{stage}: queued");
                    }
                    break;
                case StageStarted started:
                    var task = Stage(started.Stage);
                    task.IsIndeterminate = true;
                    task.Description = Markup.Escape($"{started.Stage}: running on {started.Runner}{(started.Attempt > 1 ? string.Create(s_invariant, $" (attempt {started.Attempt})") : "")}");
                    break;
                case StageProgressed progress:
                    var bar = Stage(progress.Stage);
                    bar.IsIndeterminate = false;
                    bar.MaxValue = Math.Max(1, progress.TotalSteps);
                    bar.Value = progress.Step;
                    var text = string.Create(s_invariant, $"{progress.Stage}: step {progress.Step:N0}/{progress.TotalSteps:N0}");
                    if (progress.Metrics.TryGetValue("loss", out var loss))
                    {
                        text += string.Create(s_invariant, $"  loss {loss:F3}");
                    }
                    if (progress.Metrics.TryGetValue("validationLoss", out var validation))
                    {
                        text += string.Create(s_invariant, $"  validation {validation:F3}");
                    }
                    if (progress.Metrics.TryGetValue("tokensPerSecond", out var speed))
                    {
                        text += string.Create(s_invariant, $"  {speed:N0} tokens/s");
                    }
                    if (progress.Metrics.TryGetValue("etaSeconds", out var eta) && double.IsFinite(eta) && progress.Step < progress.TotalSteps)
                    {
                        text += $"  ETA {CliConsole.Duration(TimeSpan.FromSeconds(eta))}";
                    }
                    bar.Description = Markup.Escape(text);
                    break;
                case StageCompleted completed:
                    var done = Stage(completed.Stage);
                    done.IsIndeterminate = false;
                    done.Value = done.MaxValue;
                    done.Description = Markup.Escape($"{completed.Stage}: completed{Metrics(completed)}");
                    break;
                case StageFailed failed:
                    var stopped = Stage(failed.Stage);
                    stopped.IsIndeterminate = false;
                    stopped.Description = Markup.Escape($"{failed.Stage}: failed: {string.Join("; ", failed.Reasons)}");
                    stopped.StopTask();
                    break;
                default:
                    break;
            }
        }

        private ProgressTask Stage(string stage)
        {
            if (!_stages.TryGetValue(stage, out var task))
            {
                task = context.AddTask(Markup.Escape(stage), maxValue: 1);
                _stages[stage] = task;
            }
            return task;
        }

        private static string Metrics(StageCompleted completed)
        {
            var m = completed.Metrics;
            var parts = new List<string>();
            if (m.TryGetValue("blocks", out var blocks))
            {
                parts.Add(string.Create(s_invariant, $"{blocks:N0} blocks"));
            }
            if (m.TryGetValue("tokens", out var tokens))
            {
                parts.Add(string.Create(s_invariant, $"{tokens:N0} tokens"));
            }
            if (m.TryGetValue("loss", out var loss))
            {
                parts.Add(string.Create(s_invariant, $"loss {loss:F3}"));
            }
            if (m.TryGetValue("validationLoss", out var validation))
            {
                parts.Add(string.Create(s_invariant, $"validation loss {validation:F3}"));
            }
            if (m.TryGetValue("topOneAgreement", out var agreement))
            {
                parts.Add(string.Create(s_invariant, $"top-1 agreement {agreement:P1}"));
            }
            return parts.Count == 0 ? "" : ": " + string.Join(", ", parts);
        }
    }
}
