using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Distill.Pipeline.Configuration;
using Distill.Pipeline.Uploads;
using Spectre.Console;

namespace Distill.Cli.Commands;

/// <summary>
/// `distill submit DIR [--target local|azure|azurite] [--store PATH] [--json]`: checks a run folder (the manifest on its
/// own, the teacher folder and the data paths), uploads the teacher and the data, then pipeline.json last, with a
/// progress bar. On the local and azurite targets it then sends the upload event to the upload-events queue itself, as
/// Event Grid would; on azure it does not: the storage account's BlobCreated event for pipeline.json reaches the
/// handlers through Event Grid (a second notification would only be ignored: the upload handler is idempotent per
/// upload). Prints the run id and how to watch it.
/// </summary>
internal static class SubmitCommand
{
    private const string Name = "distill submit";

    public static Command Create()
    {
        var folder = new Argument<string>("DIR") { Description = "The run folder: pipeline.json, the teacher folder and the data it names." };
        var target = new TargetOptions();
        var json = CommandOptions.Json();
        var command = new Command("submit", "Upload a run folder (manifest last) and start its run.") { folder, json };
        target.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var writers = parse.InvocationConfiguration;
            if (target.Resolve(parse, Name, writers.Error) is not { } choice)
            {
                return DistillCommandLine.BadUsage;
            }
            return await RunAsync(parse.GetRequiredValue(folder), choice, parse.GetValue(json), writers.Output, writers.Error, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(string folder, TargetChoice target, bool json, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        UploadPlan plan;
        try
        {
            plan = UploadClient.Check(folder);
        }
        catch (UploadFolderException e)
        {
            await error.WriteLineAsync($"{Name}: {Path.GetFullPath(folder)} cannot be submitted ({Count(e.Problems.Count)}):").ConfigureAwait(false);
            foreach (var problem in e.Problems)
            {
                await error.WriteLineAsync($"  {problem}").ConfigureAwait(false);
            }
            return DistillCommandLine.Failure;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"{Name}: {e.Message}").ConfigureAwait(false);
            return DistillCommandLine.Failure;
        }

        await using var store = await PipelineConnection.OpenAsync(target.Options, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        var runId = UploadClient.NewUploadId(plan.Manifest.Name ?? "run", store.Time.GetUtcNow());
        var client = new UploadClient(store.Blobs, store.Time);
        UploadResult result;
        if (json)
        {
            result = await client.UploadAsync(plan, runId, null, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var console = CliConsole.Create(output);
            result = await CliConsole.Progress(console).StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape($"uploading {CliConsole.Bytes(plan.TotalBytes)}"), maxValue: Math.Max(1, plan.TotalBytes));
                var uploaded = await client.UploadAsync(plan, runId, new CallbackProgress<UploadProgress>(p =>
                {
                    task.Value = p.BytesSent;
                    task.Description = Markup.Escape($"uploading {p.CurrentFile} ({p.FilesSent}/{p.TotalFiles} files, {CliConsole.Bytes(p.BytesSent)} of {CliConsole.Bytes(p.TotalBytes)})");
                }), cancellationToken).ConfigureAwait(false);
                task.Value = task.MaxValue;
                task.Description = Markup.Escape($"uploaded {uploaded.Files} files, {CliConsole.Bytes(uploaded.Bytes)}");
                return uploaded;
            }).ConfigureAwait(false);
        }
        if (NotifiesItself(target.Target))
        {
            await UploadClient.NotifyAsync(store.Bus, result, store.BlobsUri, cancellationToken).ConfigureAwait(false);
        }

        var where = Where(target, store);
        if (json)
        {
            var submitted = new SubmitResult(runId, result.Upload, result.Files, result.Bytes, where);
            await output.WriteLineAsync(JsonSerializer.Serialize(submitted, CliJsonContext.Default.SubmitResult)).ConfigureAwait(false);
            return DistillCommandLine.Ok;
        }
        var arguments = target.ArgumentText;
        await output.WriteLineAsync($"Submitted run {runId} ({result.Files} files, {CliConsole.Bytes(result.Bytes)}) to {where}").ConfigureAwait(false);
        await output.WriteLineAsync($"Watch it:  distill watch {runId}{arguments}").ConfigureAwait(false);
        await output.WriteLineAsync(target.Target == PipelineTarget.Azure
            ? "The deployed pipeline starts it when Event Grid delivers the upload's BlobCreated event."
            : $"The pipeline runs while 'distill up{arguments}' does.").ConfigureAwait(false);
        return DistillCommandLine.Ok;
    }

    /// <summary>
    /// Whether submit sends the upload event itself: on local and azurite nothing else does (Azurite emits no Event Grid
    /// events); on azure Event Grid's BlobCreated subscription does.
    /// </summary>
    internal static bool NotifiesItself(PipelineTarget target) => target != PipelineTarget.Azure;

    /// <summary>Where the run went: the store folder (local), else where the blobs are.</summary>
    internal static string Where(TargetChoice target, PipelineConnection connection) =>
        target.Target == PipelineTarget.Local ? target.Store : connection.BlobsUri.ToString();

    private static string Count(int problems) => problems == 1 ? "1 problem" : string.Create(CultureInfo.InvariantCulture, $"{problems} problems");
}
