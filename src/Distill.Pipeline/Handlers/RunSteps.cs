using Distill.Contracts;
using Distill.Contracts.Events;
using Distill.Contracts.Runs;
using Distill.Contracts.Stages;
using Distill.Pipeline.Messaging;

namespace Distill.Pipeline.Handlers;

/// <summary>The idempotent steps the handlers share: sending a queued stage's command and publishing a run's outcome from its state.</summary>
internal static class RunSteps
{
    /// <summary>The subject of stage commands on the stages queue.</summary>
    public const string StageCommandSubject = "distill.run-stage";

    /// <summary>
    /// Sends the command of <paramref name="stage"/>'s current attempt, which the state says is queued. The message id is
    /// <c>{runId}:{stage}:{attempt}</c> and the body is the same on every send (issued at the queue time), so sending it
    /// again is dropped as a duplicate.
    /// </summary>
    public static async Task<RunStageCommand> SendStageCommandAsync(PipelineContext context, RunState state, string stage, CancellationToken cancellationToken)
    {
        var current = state.Stage(stage);
        var command = RunStageCommand.Create(state.RunId, stage, current.Attempt, current.QueuedAt ?? state.UpdatedAt, state.ManifestSha256);
        var message = BusMessage.FromJson(command, ContractsJsonContext.Default.RunStageCommand);
        message.MessageId = command.MessageId;
        message.CorrelationId = state.RunId;
        message.Subject = StageCommandSubject;
        message.ApplicationProperties["runId"] = state.RunId;
        message.ApplicationProperties["stage"] = stage;
        message.ApplicationProperties["attempt"] = current.Attempt;
        await context.Bus.SendAsync(PipelineTopology.StagesQueue, message, cancellationToken).ConfigureAwait(false);
        return command;
    }

    /// <summary>Publishes <c>distill.pipeline.failed</c> with the failure the state records (its id is fixed, so a repeat is a duplicate).</summary>
    public static Task PublishFailedAsync(PipelineContext context, RunState state, CancellationToken cancellationToken)
    {
        var failure = state.Failure ?? throw new InvalidOperationException($"run '{state.RunId}' is {state.Status}, not failed");
        return context.Events.PublishAsync(new PipelineFailed
        {
            RunId = state.RunId,
            Name = state.Name,
            FailedStage = failure.Stage,
            Reasons = failure.Reasons,
        }, cancellationToken);
    }

    /// <summary>Publishes <c>distill.pipeline.completed</c> with the result the state records.</summary>
    public static Task PublishCompletedAsync(PipelineContext context, RunState state, CancellationToken cancellationToken)
    {
        var result = state.Result ?? throw new InvalidOperationException($"run '{state.RunId}' is {state.Status}, not completed");
        return context.Events.PublishAsync(new PipelineCompleted
        {
            RunId = state.RunId,
            Name = state.Name,
            Student = result.Student,
            Report = result.Report,
            Metrics = result.Metrics,
            Comparison = result.Comparison,
        }, cancellationToken);
    }

    /// <summary>True when the state's failure is exactly this one (the same stage and reasons): a redelivery of what failed the run.</summary>
    public static bool FailedWith(RunState state, string? stage, IReadOnlyList<string> reasons) =>
        state is { Status: RunStatus.Failed, Failure: { } failure } && failure.Stage == stage && failure.Reasons.SequenceEqual(reasons, StringComparer.Ordinal);

    /// <summary>The stage after <paramref name="stage"/> in the run's plan; null for the last.</summary>
    public static string? StageAfter(RunState state, string stage)
    {
        for (var i = 0; i < state.Stages.Count - 1; i++)
        {
            if (state.Stages[i].Name == stage)
            {
                return state.Stages[i + 1].Name;
            }
        }
        return null;
    }

    /// <summary>
    /// Queues attempt 1 of <paramref name="stage"/> if it is pending; leaves it as it is when it is already queued or
    /// further on, or when the run is finished (a redelivery, or another handler got there first).
    /// </summary>
    public static RunState QueueFirstAttempt(RunState state, string stage, DateTimeOffset now) =>
        !state.IsFinished && state.Stage(stage).Status == StageStatus.Pending ? state.QueueStage(stage, 1, now) : state;
}
