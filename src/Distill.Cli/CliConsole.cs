using System.Globalization;
using Distill.Training.Evaluation;
using Spectre.Console;

namespace Distill.Cli;

/// <summary>Spectre.Console on a verb's output writer, and the renderings the verbs share.</summary>
internal static class CliConsole
{
    /// <summary>
    /// A console writing to <paramref name="writer"/>: colours and live progress bars on a terminal; plain text (progress
    /// at milestones, wide tables) when the output is redirected or captured.
    /// </summary>
    public static IAnsiConsole Create(TextWriter writer)
    {
        var output = new AnsiConsoleOutput(writer);
        var terminal = output.IsTerminal;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
            Out = output,
        });
        if (!terminal)
        {
            console.Profile.Width = 160;
        }
        return console;
    }

    /// <summary>A progress display with a description, a bar, the percentage and a spinner; it stays when done.</summary>
    public static Progress Progress(IAnsiConsole console) => console.Progress()
        .AutoClear(false)
        .HideCompleted(false)
        .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn());

    /// <summary>A report table drawn with Spectre.Console (cells escaped).</summary>
    public static Table Table(ReportTable report)
    {
        var table = new Table { Title = new TableTitle(Markup.Escape(report.Title)) };
        foreach (var column in report.Columns)
        {
            table.AddColumn(Markup.Escape(column));
        }
        foreach (var row in report.Rows)
        {
            table.AddRow(row.Select(Markup.Escape).ToArray());
        }
        return table;
    }

    /// <summary>Bytes as "812 B", "42.0 kB", "1.3 MB".</summary>
    public static string Bytes(long bytes) => bytes switch
    {
        < 1000 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e3:F1} kB"),
        < 1_000_000_000 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:F1} MB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e9:F2} GB"),
    };

    /// <summary>A duration as "m:ss" (or "h:mm:ss").</summary>
    public static string Duration(TimeSpan span) =>
        span.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}:{span.Minutes:D2}:{span.Seconds:D2}")
            : string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes}:{span.Seconds:D2}");
}
