using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Distill.Pipeline.Configuration;
using Distill.Pipeline.Local;
using Distill.Runner;
using Distill.Runner.Hosting;
using Microsoft.Extensions.Logging;

namespace Distill.Cli.Commands;

/// <summary>
/// `distill worker [--target local|azure|azurite] [--store PATH] [--runner-id ID] [--once] [--idle-exit SECONDS] [--json]`:
/// a stage runner on the target (by default the local store, <see cref="LocalStore"/>: blobs in <c>{store}/blobs</c>, the bus
/// in <c>{store}/bus.db</c>; its own folder is <c>{store}/runners/{id}</c> on every target) until stopped; one line per
/// thing it does. Ctrl+C or SIGTERM stops it cleanly: the stage in progress checkpoints and goes back to the queue.
/// Start several to share the work.
/// </summary>
internal static class WorkerCommand
{
    private const string Name = "distill worker";

    public static Command Create()
    {
        var target = new TargetOptions();
        var runnerId = new Option<string?>("--runner-id") { Description = "The runner's name in the run state and events (default: host and process id)." };
        var once = new Option<bool>("--once") { Description = "Process one stage message, then exit." };
        var idleExit = new Option<double?>("--idle-exit") { Description = "Exit after this many seconds without a message." }
            .Validate(v => v is not { } seconds || (double.IsFinite(seconds) && seconds >= 0) ? null : $"--idle-exit must be a number of seconds ≥ 0 (got {v})");
        var json = new Option<bool>("--json") { Description = "Print one JSON object per line instead of text." };

        var command = new Command("worker", "Run stages from the target's stage queue (a GPU runner on this machine).") { runnerId, once, idleExit, json };
        target.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var writers = parse.InvocationConfiguration;
            if (target.Resolve(parse, Name, writers.Error) is not { } choice)
            {
                return DistillCommandLine.BadUsage;
            }
            StageWorkerOptions options;
            try
            {
                options = LocalWorker.Options(choice.Store, parse.GetValue(runnerId));
            }
            catch (ArgumentException e)
            {
                await writers.Error.WriteLineAsync($"{Name}: {e.Message}").ConfigureAwait(false);
                return DistillCommandLine.BadUsage;
            }
            var asJson = parse.GetValue(json);
            var output = TextWriter.Synchronized(writers.Output);
            void Print(WorkerActivity activity) => output.WriteLine(asJson ? Json(activity) : Text(activity));
            using var loggers = LoggerFactory.Create(builder => builder
                .AddSimpleConsole(o => o.SingleLine = true)
                .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
                .SetMinimumLevel(LogLevel.Warning));
            // Ctrl+C reaches the token already; a container's SIGTERM does here.
            using var signals = new ShutdownSignals(interrupt: false, cancellationToken);
            var seconds = parse.GetValue(idleExit);
            // A runner named after its process (the default) never comes back to its cache: its folder goes when it stops.
            var keepFolder = parse.GetValue(runnerId) is not null;
            await LocalWorker.RunAsync(choice.Options, options, parse.GetValue(once), seconds is { } s ? TimeSpan.FromSeconds(s) : null, keepFolder, loggers, Print,
                signals.Token).ConfigureAwait(false);
            return DistillCommandLine.Ok;
        });
        return command;
    }

    /// <summary><c>{time} {runId}/{stage}#{attempt} {what}: {message}</c>.</summary>
    internal static string Text(WorkerActivity activity)
    {
        var where = activity.RunId is null
            ? activity.MessageId
            : string.Create(CultureInfo.InvariantCulture, $"{activity.RunId}/{activity.Stage}#{activity.Attempt}");
        return string.Create(CultureInfo.InvariantCulture, $"{activity.Time.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} {where} {Kind(activity)}: {activity.Message}");
    }

    private static string Json(WorkerActivity activity) => JsonSerializer.Serialize(
        new WorkerLine(activity.Time, Kind(activity), activity.MessageId, activity.RunId, activity.Stage, activity.Attempt, activity.Step, activity.TotalSteps,
            activity.Metrics, activity.Message),
        CliJsonContext.Relaxed.WorkerLine);

    private static string Kind(WorkerActivity activity) =>
        (activity.Outcome?.ToString() ?? activity.Kind.ToString()).ToLowerInvariant();
}
