using System.CommandLine;
using Distill.Contracts.Events;
using Distill.Contracts.Runs;
using Distill.Contracts.Storage;
using Distill.Pipeline.Events;
using Distill.Pipeline.Configuration;
using Distill.Pipeline.Storage;

namespace Distill.Cli.Commands;

/// <summary>
/// `distill watch [RUN] [--target local|azure|azurite] [--store PATH] [--json]`: follows a run (by default the most recent) as it happens, printing
/// each event of its event folder as it appears, in event-time order, one readable line each (or, with `--json`, the
/// CloudEvent as one line of JSON), until the run completes (exit 0) or fails (exit 1).
/// </summary>
internal static class WatchCommand
{
    private const string Name = "distill watch";

    /// <summary>How often the run's events and state are read.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(400);

    /// <summary>How long after the state says the run finished its outcome event is waited for.</summary>
    public static readonly TimeSpan OutcomeGrace = TimeSpan.FromSeconds(3);

    public static Command Create()
    {
        var run = new Argument<string?>("RUN") { Description = "The run id; default: the most recent run.", Arity = ArgumentArity.ZeroOrOne };
        var target = new TargetOptions();
        var json = new Option<bool>("--json") { Description = "Print each event as a CloudEvent, one JSON object per line." };
        var command = new Command("watch", "Follow a run's events until it completes or fails (exit 0 or 1).") { run, json };
        target.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var writers = parse.InvocationConfiguration;
            if (target.Resolve(parse, Name, writers.Error) is not { } choice)
            {
                return DistillCommandLine.BadUsage;
            }
            return await RunAsync(parse.GetValue(run), choice, parse.GetValue(json), writers.Output, writers.Error, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(string? runId, TargetChoice target, bool json, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        await using var store = await RunDisplay.OpenExistingAsync(target, Name, error, cancellationToken).ConfigureAwait(false);
        if (store is null)
        {
            return DistillCommandLine.Failure;
        }
        var where = RunDisplay.Where(target, store);
        if (runId is null)
        {
            var latest = (await RunDisplay.ListAsync(store, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
            if (latest is null)
            {
                await error.WriteLineAsync($"{Name}: there are no runs in {where}; submit one with 'distill submit DIR'").ConfigureAwait(false);
                return DistillCommandLine.Failure;
            }
            runId = latest.RunId;
            if (!json)
            {
                await output.WriteLineAsync($"Watching the most recent run, {runId} ({latest.Name})").ConfigureAwait(false);
            }
        }
        else if (BlobPaths.IdProblem(runId) is { } problem)
        {
            await error.WriteLineAsync($"{Name}: RUN {problem}").ConfigureAwait(false);
            return DistillCommandLine.BadUsage;
        }
        else if (await store.CreateContext().Runs.ReadAsync(runId, cancellationToken).ConfigureAwait(false) is null
            && await store.Blobs.TryGetPropertiesAsync(BlobPaths.UploadManifest(runId).ToAddress(), cancellationToken).ConfigureAwait(false) is null)
        {
            await error.WriteLineAsync($"{Name}: there is no run '{runId}' in {where}").ConfigureAwait(false);
            return DistillCommandLine.Failure;
        }
        return await FollowAsync(store, target, runId, json, output, error, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> FollowAsync(PipelineConnection store, TargetChoice target, string runId, bool json, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var log = new RunEventLog(store.Blobs, runId);
        var formatter = new RunEventFormatter();
        var runs = store.CreateContext().Runs;
        var unreadable = new List<string>();
        DateTimeOffset? finishedAt = null;
        var waitingShown = false;
        while (true)
        {
            int? outcome = null;
            foreach (var cloudEvent in await log.ReadNewAsync(unreadable, cancellationToken).ConfigureAwait(false))
            {
                if (json)
                {
                    await output.WriteLineAsync(cloudEvent.ToJson()).ConfigureAwait(false);
                }
                else
                {
                    foreach (var line in formatter.Format(cloudEvent))
                    {
                        await output.WriteLineAsync(line).ConfigureAwait(false);
                    }
                }
                outcome = cloudEvent.Type switch
                {
                    DistillEventTypes.PipelineCompleted => DistillCommandLine.Ok,
                    DistillEventTypes.PipelineFailed => DistillCommandLine.Failure,
                    _ => outcome,
                };
            }
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            foreach (var problem in unreadable)
            {
                await error.WriteLineAsync($"{Name}: skipped an unreadable event: {problem}").ConfigureAwait(false);
            }
            unreadable.Clear();
            if (outcome is { } exitCode)
            {
                return exitCode;
            }

            var state = (await runs.ReadAsync(runId, cancellationToken).ConfigureAwait(false))?.State;
            if (state is null && !waitingShown)
            {
                waitingShown = true;
                await error.WriteLineAsync($"{Name}: waiting for run {runId} to be accepted ({(target.Target == PipelineTarget.Azure ? "is the pipeline deployed and its Event Grid subscription in place?" : $"is 'distill up{target.ArgumentText}' running?")})").ConfigureAwait(false);
            }
            else if (state is { IsFinished: true })
            {
                // The outcome event follows the state's last write; without one (an older run), the state decides.
                finishedAt ??= store.Time.GetUtcNow();
                if (store.Time.GetUtcNow() - finishedAt >= OutcomeGrace)
                {
                    await error.WriteLineAsync($"{Name}: run {runId} {RunDisplay.Wire(state.Status)} (its outcome event is missing)").ConfigureAwait(false);
                    return state.Status == RunStatus.Completed ? DistillCommandLine.Ok : DistillCommandLine.Failure;
                }
            }
            await Task.Delay(PollInterval, store.Time, cancellationToken).ConfigureAwait(false);
        }
    }
}
