using System.Globalization;
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
        CliConsole.Progress(console).StartAsync(context => work(new DemoConsoleProgress(context)));

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
        Plain($"{text} ({teacher.Folder}).");
    }

    public void Finished(DemoSummary summary)
    {
        if (summary.Status != "completed" || summary.Teacher is not { } teacher || summary.Student is not { } student)
        {
            console.MarkupLine(Markup.Escape($"Run {summary.RunId} failed{(summary.FailedStage is { } stage ? $" at stage {stage}" : "")} after {CliConsole.Duration(TimeSpan.FromSeconds(summary.Seconds))}."));
            if (summary.Report is { } written)
            {
                Plain($"Report:  {Path.Join(written, Distill.Reports.RunReportFiles.Markdown)}");
            }
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
        Plain($"Student: {student.Folder}");
        if (summary.Report is { } report)
        {
            Plain($"Report:  {Path.Join(report, Distill.Reports.RunReportFiles.Markdown)} (loss curves in {Distill.Reports.RunReportFiles.LossChart})");
        }
        Plain($"Try it:  distill generate --model {student.Folder} --prompt \"This License\"");
    }

    /// <summary>A line with paths, written as it is: not wrapped at the terminal's width, so it can be copied.</summary>
    private void Plain(string line)
    {
        var writer = console.Profile.Out.Writer;
        writer.WriteLine(line);
        writer.Flush();
    }

    private static string Count(long value) => value.ToString("N0", s_invariant);

    private static string Number(double value, string format) => double.IsFinite(value) ? value.ToString(format, s_invariant) : "—";

    private static string Ratio(double? value) => value is { } v && double.IsFinite(v) ? string.Create(s_invariant, $"×{v:F2}") : "—";
}
