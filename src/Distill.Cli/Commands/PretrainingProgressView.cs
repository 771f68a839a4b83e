using System.Globalization;
using Distill.Training.Pretraining;
using Spectre.Console;

namespace Distill.Cli.Commands;

/// <summary>
/// Draws a <see cref="PretrainingJob"/>'s progress as Spectre.Console bars: the tokenizer (input bytes read), the
/// tokenization (input bytes), and the training (steps, with loss, validation loss, tokens/s and ETA in the
/// description, each after <paramref name="prefix"/>). Reports arrive on the job's threads; Spectre's tasks take updates
/// from any thread.
/// </summary>
internal sealed class PretrainingProgressView(ProgressContext context, string prefix = "") : IProgress<PretrainingProgress>
{
    private readonly Dictionary<PretrainingStage, ProgressTask> _tasks = [];
    private readonly Lock _lock = new();
    private string? _resumed;
    private double? _validationLoss;

    public void Report(PretrainingProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_lock)
        {
            var task = Task(value.Stage);
            switch (value.Stage)
            {
                case PretrainingStage.TrainingTokenizer:
                case PretrainingStage.Tokenizing:
                    var label = value.Stage == PretrainingStage.TrainingTokenizer ? "tokenizer" : "tokenizing";
                    if (value.Message is { } note)
                    {
                        task.Description = Markup.Escape($"{prefix}{label}: {note}");
                        if (value.Total == 0)
                        {
                            task.MaxValue = 1;
                            task.Value = 1;
                        }
                    }
                    else
                    {
                        task.Description = Markup.Escape($"{prefix}{label}: {CliConsole.Bytes(value.Done)} of {CliConsole.Bytes(value.Total)}");
                    }
                    if (value.Total > 0)
                    {
                        task.MaxValue = value.Total;
                        task.Value = value.Done;
                    }
                    break;
                case PretrainingStage.Training:
                    task.MaxValue = Math.Max(1, value.Total);
                    task.Value = value.Done;
                    if (value.Training is not { } training)
                    {
                        _resumed = value.Message;
                        task.Description = Markup.Escape($"{prefix}training: {value.Message}");
                        break;
                    }
                    _validationLoss = training.ValidationLoss ?? _validationLoss;
                    var culture = CultureInfo.InvariantCulture;
                    var text = prefix + string.Create(culture, $"training: step {training.Step:N0}/{training.TotalSteps:N0}  loss {training.Loss:F3}");
                    if (_validationLoss is { } validation)
                    {
                        text += string.Create(culture, $"  validation {validation:F3}");
                    }
                    text += string.Create(culture, $"  {training.TokensPerSecond:N0} tokens/s  ETA {CliConsole.Duration(training.Eta)}");
                    if (_resumed is not null)
                    {
                        text += $"  ({_resumed})";
                    }
                    task.Description = Markup.Escape(text);
                    break;
                case PretrainingStage.Saving:
                    task.IsIndeterminate = false;
                    task.MaxValue = 1;
                    task.Value = 1;
                    task.Description = Markup.Escape(prefix + (value.Message ?? "saving"));
                    break;
            }
        }
    }

    private ProgressTask Task(PretrainingStage stage)
    {
        if (!_tasks.TryGetValue(stage, out var task))
        {
            // A new stage means the earlier ones are done.
            foreach (var earlier in _tasks.Values.Where(t => !t.IsFinished))
            {
                earlier.Value = earlier.MaxValue;
            }
            task = context.AddTask(Markup.Escape(prefix + stage), maxValue: 1);
            _tasks[stage] = task;
        }
        return task;
    }
}
