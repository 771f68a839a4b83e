using System.Threading.Channels;
using Distill.Contracts.Events;
using Distill.Pipeline.Events;
using Distill.Pipeline.Runs;
using Distill.Contracts.Runs;
using Distill.Training.Trainers;
using Microsoft.Extensions.Logging;

namespace Distill.Runner;

/// <summary>
/// Receives the trainer's progress on its thread and, without holding it up, publishes the throttled
/// <c>stage.progress</c> events (<see cref="ProgressThrottle"/>) and records each checkpoint's step in the run state, in
/// order, from a background pump. Nothing is written once the stage's fence trips. A publication that fails is logged
/// and skipped (progress is advisory); a run state that no longer lists the attempt as running trips the fence.
/// </summary>
internal sealed partial class StageProgressReporter : IProgress<TrainingProgress>, IAsyncDisposable
{
    private readonly Channel<TrainingProgress> _pending = Channel.CreateUnbounded<TrainingProgress>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ProgressThrottle _throttle;
    private readonly StageScope _scope;
    private readonly PipelineEventPublisher _events;
    private readonly RunStateStore _states;
    private readonly StageFence _fence;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action<WorkerActivity>? _activity;
    private readonly Task _pump;

    public StageProgressReporter(StageScope scope, PipelineEventPublisher events, RunStateStore states, StageFence fence, TimeSpan interval,
        TimeProvider time, ILogger logger, Action<WorkerActivity>? activity)
    {
        _scope = scope;
        _events = events;
        _states = states;
        _fence = fence;
        _time = time;
        _logger = logger;
        _activity = activity;
        _throttle = new ProgressThrottle(time, interval);
        _pump = Task.Run(PumpAsync);
    }

    public void Report(TrainingProgress value)
    {
        if (!_fence.IsTripped && _throttle.ShouldPublish(value))
        {
            _pending.Writer.TryWrite(value);
        }
    }

    /// <summary>Publishes what is pending, then stops: call before stage.completed so that progress comes first.</summary>
    public async Task FlushAsync()
    {
        _pending.Writer.TryComplete();
        await _pump.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await FlushAsync().ConfigureAwait(false);

    private async Task PumpAsync()
    {
        await foreach (var progress in _pending.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (_fence.IsTripped)
            {
                continue;
            }
            try
            {
                await PublishAsync(progress).ConfigureAwait(false);
            }
            catch (RunTransitionException e)
            {
                _fence.Trip($"the run state no longer has this attempt running: {e.Message}");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogProgressFailed(_logger, progress.Step, e);
            }
        }
    }

    private async Task PublishAsync(TrainingProgress progress)
    {
        if (progress.Checkpoint is { } checkpoint)
        {
            await _fence.ConfirmAsync("recording the checkpoint in the run state", CancellationToken.None).ConfigureAwait(false);
            await _states.UpdateAsync(_scope.RunId, s => s.RecordCheckpoint(_scope.Stage, _scope.Attempt, checkpoint.Step, _time.GetUtcNow()), CancellationToken.None)
                .ConfigureAwait(false);
        }
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["loss"] = progress.Loss,
            ["learningRate"] = progress.LearningRate,
            ["gradNorm"] = progress.GradNorm,
            ["tokensPerSecond"] = progress.TokensPerSecond,
            ["elapsedSeconds"] = progress.Elapsed.TotalSeconds,
            ["etaSeconds"] = progress.Eta.TotalSeconds,
        };
        if (progress.ValidationLoss is { } validation)
        {
            metrics["validationLoss"] = validation;
        }
        if (progress.Checkpoint is { } saved)
        {
            metrics["checkpointStep"] = saved.Step;
        }
        _fence.ThrowIfTripped("publishing progress");
        await _events.PublishAsync(new StageProgressed
        {
            RunId = _scope.RunId,
            Stage = _scope.Stage,
            Attempt = _scope.Attempt,
            Step = progress.Step,
            TotalSteps = progress.TotalSteps,
            Metrics = metrics,
        }, CancellationToken.None).ConfigureAwait(false);
        _activity?.Invoke(_scope.Activity(_time, WorkerActivityKind.Progress, Describe(progress)) with
        {
            Step = progress.Step,
            TotalSteps = progress.TotalSteps,
            Metrics = metrics,
        });
    }

    private static string Describe(TrainingProgress p)
    {
        var text = System.FormattableString.Invariant($"step {p.Step}/{p.TotalSteps}, loss {p.Loss:F4}, {p.TokensPerSecond:N0} tokens/s, eta {Reports.MarkdownReport.FormatDuration(p.Eta)}");
        if (p.ValidationLoss is { } validation)
        {
            text += System.FormattableString.Invariant($", validation loss {validation:F4}");
        }
        if (p.Checkpoint is { } checkpoint)
        {
            text += $", checkpoint {checkpoint.Name}";
        }
        return text;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing the progress of step {Step} failed; the next report goes on")]
    private static partial void LogProgressFailed(ILogger logger, long step, Exception exception);
}
