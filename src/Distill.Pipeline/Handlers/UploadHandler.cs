using Distill.Contracts.Events;
using Distill.Contracts.Manifests;
using Distill.Contracts.Runs;
using Distill.Contracts.Stages;
using Distill.Contracts.Storage;
using Distill.Pipeline.Storage;
using Distill.Pipeline.Uploads;
using Microsoft.Extensions.Logging;

namespace Distill.Pipeline.Handlers;

/// <summary>
/// OnUpload: an upload's manifest arrived. Validates the upload (<see cref="UploadValidator"/>), creates the run's
/// state (accepted with its stage plan, or failed with every problem) with a create-only write, then, for an accepted
/// run, queues the first stage, publishes <c>distill.run.accepted</c> and sends the stage command; for a rejected one,
/// publishes <c>distill.pipeline.failed</c>. Bad input is never retried.
/// </summary>
/// <remarks>
/// Every step is idempotent and the run state says which are done, so a redelivery after a crash anywhere finishes the
/// rest exactly once in effect: an existing state is taken as it is (the upload is not validated again), a queued stage
/// stays queued, a command sent again has the same message id (duplicate detection drops it), and events have fixed ids.
/// The run id is the upload id: the same manifest event twice is one run.
/// </remarks>
public sealed partial class UploadHandler(PipelineContext context, ILogger<UploadHandler> logger)
{
    private readonly UploadValidator _validator = new(context.Blobs);

    /// <summary>Handles a storage notification: an upload's manifest starts (or resumes starting) its run; any other blob is ignored.</summary>
    public Task HandleAsync(BlobCreatedEvent notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        if (!notification.TryGetUploadId(out var uploadId))
        {
            LogIgnored(logger, notification.Type, notification.Subject);
            return Task.CompletedTask;
        }
        return HandleUploadAsync(uploadId, cancellationToken);
    }

    /// <summary>Starts the run of upload <paramref name="uploadId"/>, or finishes starting it.</summary>
    public async Task HandleUploadAsync(string uploadId, CancellationToken cancellationToken)
    {
        using var scope = logger.BeginRunScope(uploadId);
        var manifestLocation = BlobPaths.UploadManifest(uploadId);
        var manifest = await context.Blobs.TryReadAllBytesAsync(manifestLocation.ToAddress(), cancellationToken).ConfigureAwait(false);
        var sha256 = manifest is { } read ? PipelineManifest.Sha256(read.Content) : null;

        var state = (await context.Runs.ReadAsync(uploadId, cancellationToken).ConfigureAwait(false))?.State;
        if (state is null)
        {
            var created = await CreateStateAsync(uploadId, manifestLocation, manifest?.Content, cancellationToken).ConfigureAwait(false);
            if (await context.Runs.TryCreateAsync(created, cancellationToken).ConfigureAwait(false))
            {
                state = created;
                if (created.Failure is { } failure)
                {
                    LogRejected(logger, uploadId, failure.Reasons.Count, string.Join("; ", failure.Reasons));
                }
                else
                {
                    LogAccepted(logger, uploadId, created.Name, string.Join(" → ", created.Stages.Select(s => s.Name)));
                }
            }
            else
            {
                // Another delivery created it in between; carry on from what it wrote.
                state = (await context.Runs.ReadAsync(uploadId, cancellationToken).ConfigureAwait(false))?.State
                    ?? throw new InvalidOperationException($"run '{uploadId}': state.json existed a moment ago and is gone");
            }
        }
        if (sha256 is not null && sha256 != state.ManifestSha256)
        {
            LogManifestChanged(logger, uploadId, state.ManifestSha256, sha256);
        }
        await ContinueAsync(state, cancellationToken).ConfigureAwait(false);
    }

    private async Task<RunState> CreateStateAsync(string uploadId, BlobLocation manifestLocation, byte[]? manifest, CancellationToken cancellationToken)
    {
        var now = context.Now;
        if (manifest is null)
        {
            // The notification names a manifest that is gone: record why, so the run id has an answer.
            return RunState.Reject(uploadId, uploadId, PipelineManifest.Sha256([]),
                [$"{manifestLocation}: the manifest does not exist (deleted after it was uploaded?); upload it again under a new id"], now);
        }
        var validation = await _validator.ValidateAsync(uploadId, manifest, cancellationToken).ConfigureAwait(false);
        return validation is { IsValid: true, Manifest: { } valid }
            ? RunState.Accept(uploadId, validation.Name, validation.ManifestSha256, StagePlan.For(valid), now)
            : RunState.Reject(uploadId, validation.Name, validation.ManifestSha256, validation.Problems, now);
    }

    /// <summary>The steps after the state exists, each skipped or repeated harmlessly when already done.</summary>
    private async Task ContinueAsync(RunState state, CancellationToken cancellationToken)
    {
        if (state.IsFinished)
        {
            if (state.Status == RunStatus.Failed)
            {
                await RunSteps.PublishFailedAsync(context, state, cancellationToken).ConfigureAwait(false);
            }
            return;
        }
        var first = state.Stages[0].Name;
        var (_, after) = await context.Runs.UpdateAsync(state.RunId, s => RunSteps.QueueFirstAttempt(s, first, context.Now), cancellationToken).ConfigureAwait(false);
        await context.Events.PublishAsync(new RunAccepted
        {
            RunId = after.RunId,
            Name = after.Name,
            ManifestSha256 = after.ManifestSha256,
            Upload = after.Upload,
            Stages = [.. after.Stages.Select(s => s.Name)],
        }, cancellationToken).ConfigureAwait(false);
        if (after.Stage(first).Status == StageStatus.Queued)
        {
            var command = await RunSteps.SendStageCommandAsync(context, after, first, cancellationToken).ConfigureAwait(false);
            LogQueued(logger, command.Stage, command.Attempt, command.MessageId);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ignored a storage event of type {EventType} for {Subject}: not an upload's pipeline.json")]
    private static partial void LogIgnored(ILogger logger, string eventType, string subject);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} ({Name}) accepted: {Stages}")]
    private static partial void LogAccepted(ILogger logger, string runId, string name, string stages);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} rejected with {ProblemCount} problem(s): {Problems}")]
    private static partial void LogRejected(ILogger logger, string runId, int problemCount, string problems);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload {RunId}: pipeline.json (SHA-256 {NewSha256}) differs from the manifest its run was created from ({RunSha256}); the run keeps the first one. Upload under a new id to run the new manifest")]
    private static partial void LogManifestChanged(ILogger logger, string runId, string runSha256, string newSha256);

    [LoggerMessage(Level = LogLevel.Information, Message = "Queued stage {Stage} attempt {Attempt} (message {MessageId})")]
    private static partial void LogQueued(ILogger logger, string stage, int attempt, string messageId);
}
