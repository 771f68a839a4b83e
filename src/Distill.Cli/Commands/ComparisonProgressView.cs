using System.Globalization;
using Distill.Training.Comparison;
using Spectre.Console;

namespace Distill.Cli.Commands;

/// <summary>
/// Draws a <see cref="MethodComparison"/>'s progress as Spectre.Console bars: the tokenization, the teacher's evaluation,
/// and one bar per (method, seed) run that shows its stage and step while it trains and its numbers when it is done.
/// </summary>
internal sealed class ComparisonProgressView(ProgressContext context) : IProgress<ComparisonProgress>
{
    private readonly Dictionary<int, ProgressTask> _runs = [];
    private readonly Lock _lock = new();
    private ProgressTask? _tokenizing;
    private ProgressTask? _teacher;

    public void Report(ComparisonProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var c = CultureInfo.InvariantCulture;
        lock (_lock)
        {
            switch (value.Phase)
            {
                case ComparisonPhase.Tokenizing:
                    _tokenizing ??= context.AddTask("tokenizing", maxValue: 1);
                    _tokenizing.MaxValue = Math.Max(1, value.Total);
                    _tokenizing.Value = value.Done;
                    _tokenizing.Description = Markup.Escape($"tokenizing: {CliConsole.Bytes(value.Done)} of {CliConsole.Bytes(value.Total)}");
                    return;
                case ComparisonPhase.EvaluatingTeacher:
                    if (_tokenizing is not null)
                    {
                        _tokenizing.Value = _tokenizing.MaxValue;
                    }
                    _teacher = context.AddTask("evaluating the teacher", maxValue: 1);
                    return;
            }
            if (_teacher is not null)
            {
                _teacher.Value = 1;
            }
            if (!_runs.TryGetValue(value.Run, out var task))
            {
                task = context.AddTask(string.Create(CultureInfo.InvariantCulture, $"{value.Run,2}/{value.Runs} {value.Method} seed {value.Seed}"), maxValue: 1);
                _runs[value.Run] = task;
            }
            var label = string.Create(c, $"{value.Run,2}/{value.Runs} {value.Method} seed {value.Seed}");
            switch (value.Phase)
            {
                case ComparisonPhase.RunCompleted when value.Result is { } result:
                    task.Value = task.MaxValue;
                    task.Description = Markup.Escape(string.Create(c,
                        $"{label}: perplexity {result.Perplexity:F2}, agreement {100 * result.TopOneAgreement:F1} %, KL {result.ForwardKl:F3}, {result.Seconds:F1} s"));
                    break;
                case ComparisonPhase.Evaluating:
                    task.Description = Markup.Escape(string.Create(c, $"{label}: evaluating {value.Done:N0}/{value.Total:N0} blocks"));
                    break;
                default:
                    var stage = value.Phase switch
                    {
                        ComparisonPhase.TeacherFilters => "Stage I (teacher's filters)",
                        ComparisonPhase.StudentFilters => "Stage I (student's filters)",
                        _ => "distilling",
                    };
                    task.MaxValue = Math.Max(1, value.Total);
                    task.Value = value.Phase == ComparisonPhase.Distilling ? value.Done : 0;
                    task.Description = Markup.Escape(string.Create(c, $"{label}: {stage} step {value.Done:N0}/{value.Total:N0}, loss {value.Loss:F3}"));
                    break;
            }
        }
    }
}
