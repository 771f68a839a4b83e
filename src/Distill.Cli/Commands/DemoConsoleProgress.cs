using System.Globalization;
using Distill.Contracts.Events;
using Distill.Pipeline.Uploads;
using Distill.Training.Pretraining;
using Spectre.Console;

namespace Distill.Cli.Commands;

/// <summary>`distill demo`'s progress bars on a console: the teacher's (through <see cref="PretrainingProgressView"/>), the upload's and one per stage.</summary>
internal sealed class DemoConsoleProgress(ProgressContext context) : IDemoProgress
{
    private static readonly CultureInfo s_invariant = CultureInfo.InvariantCulture;

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
