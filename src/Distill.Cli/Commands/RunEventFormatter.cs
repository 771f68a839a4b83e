using System.Globalization;
using System.Text.Json;
using Distill.Contracts.Events;

namespace Distill.Cli.Commands;

/// <summary>
/// One readable line per Distill event for `distill watch`: the time, what it concerns (a stage, or the run), and what
/// happened: a start, progress with loss, tokens/s and the estimated time left, a completion with its key numbers, a
/// failure with its reasons, the run's outcome.
/// </summary>
internal sealed class RunEventFormatter
{
    private static readonly string[] s_keyMetrics = ["loss", "validationLoss", "perplexity", "tokensPerSecond", "tokens", "blocks"];
    private static readonly string[] s_evaluationMetrics = ["perplexityRatio", "topOneAgreement", "forwardKl", "sizeRatio", "speedup"];

    private readonly Dictionary<(string Stage, int Attempt), (long Step, DateTimeOffset Time)> _lastProgress = [];

    /// <summary>The event's line(s): a failure lists each reason on its own line.</summary>
    public IReadOnlyList<string> Format(CloudEventEnvelope cloudEvent)
    {
        ArgumentNullException.ThrowIfNull(cloudEvent);
        var time = cloudEvent.Time is { } t ? t.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture) : "--:--:--";
        DistillEventData data;
        try
        {
            data = DistillEvents.ReadData(cloudEvent);
        }
        catch (JsonException e)
        {
            return [$"{time}  {"?",-20} {cloudEvent.Type}: {e.Message}"];
        }
        var (subject, lines) = Describe(data, cloudEvent.Time);
        var result = new List<string> { $"{time}  {subject,-20} {lines[0]}" };
        result.AddRange(lines.Skip(1).Select(line => $"{"",10}{"",-20} {line}"));
        return result;
    }

    private (string Subject, List<string> Lines) Describe(DistillEventData data, DateTimeOffset? time) => data switch
    {
        RunAccepted accepted => ("run", [$"accepted '{accepted.Name}': {string.Join(" → ", accepted.Stages)}"]),
        StageStarted started => (started.Stage, [Invariant($"started (attempt {started.Attempt}) on {started.Runner}{(started.ResumedFromStep is { } step ? Invariant($", resuming from step {step}") : "")}")]),
        StageProgressed progress => (progress.Stage, [Progress(progress, time)]),
        StageCompleted completed => (completed.Stage, [Invariant($"completed (attempt {completed.Attempt}){Numbers(completed.Metrics, completed.Stage)}")]),
        StageFailed failed => (failed.Stage, [Invariant($"failed (attempt {failed.Attempt}):"), .. failed.Reasons]),
        PipelineCompleted completed => ("run", [Invariant($"completed: student in {completed.Student}, report in {completed.Report}"), Comparison(completed)]),
        PipelineFailed failed => ("run", [failed.FailedStage is null ? "failed:" : $"failed at stage {failed.FailedStage}:", .. failed.Reasons]),
        _ => ("run", [data.EventType]),
    };

    private string Progress(StageProgressed progress, DateTimeOffset? time)
    {
        var percent = progress.TotalSteps > 0 ? 100.0 * progress.Step / progress.TotalSteps : 0;
        var line = Invariant($"step {progress.Step:N0}/{progress.TotalSteps:N0} ({percent:F0}%)");
        if (progress.Metrics.TryGetValue("loss", out var loss))
        {
            line += Invariant($"  loss {loss:F4}");
        }
        if (progress.Metrics.TryGetValue("tokensPerSecond", out var speed))
        {
            line += Invariant($"  {speed:N0} tok/s");
        }
        var key = (progress.Stage, progress.Attempt);
        if (time is { } now)
        {
            if (_lastProgress.TryGetValue(key, out var last) && progress.Step > last.Step && now > last.Time)
            {
                var perStep = (now - last.Time) / (progress.Step - last.Step);
                line += $"  ETA {CliConsole.Duration(perStep * (progress.TotalSteps - progress.Step))}";
            }
            _lastProgress[key] = (progress.Step, now);
        }
        return line;
    }

    private static string Numbers(IReadOnlyDictionary<string, double> metrics, string stage)
    {
        if (metrics.Count == 0)
        {
            return "";
        }
        var keys = (stage == "evaluate" ? s_evaluationMetrics : s_keyMetrics).Where(metrics.ContainsKey).ToList();
        if (keys.Count == 0)
        {
            keys = [.. metrics.Keys.Take(4)];
        }
        return ": " + string.Join(", ", keys.Select(k => $"{k} {RunDisplay.Number(metrics[k])}"));
    }

    private static string Comparison(PipelineCompleted completed)
    {
        var c = completed.Comparison;
        return Invariant($"perplexity {RunDisplay.Number(c.TeacherPerplexity)} → {RunDisplay.Number(c.StudentPerplexity)} (×{RunDisplay.Number(c.PerplexityRatio)}), ") +
            Invariant($"size ×{RunDisplay.Number(c.SizeRatio)}, speedup ×{RunDisplay.Number(c.Speedup)}, top-1 agreement {RunDisplay.Number(c.TopOneAgreement)}");
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
