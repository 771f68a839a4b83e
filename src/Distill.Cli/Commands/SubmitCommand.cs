using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Distill.Pipeline.Local;
using Distill.Pipeline.Uploads;
using Spectre.Console;

namespace Distill.Cli.Commands;

/// <summary>
/// `distill submit DIR [--store PATH] [--json]`: checks a run folder (the manifest on its own, the teacher folder and
/// the data paths), uploads the teacher and the data, then pipeline.json last, with a progress bar, and notifies the
/// local pipeline as Event Grid would on Azure. Prints the run id and how to watch it.
/// </summary>
internal static class SubmitCommand
{
    private const string Name = "distill submit";

    public static Command Create()
    {
        var folder = new Argument<string>("DIR") { Description = "The run folder: pipeline.json, the teacher folder and the data it names." };
        var store = CommandOptions.Store();
        var json = CommandOptions.Json();
        var command = new Command("submit", "Upload a run folder (manifest last) and start its run.") { folder, store, json };
        command.SetAction((parse, cancellationToken) =>
        {
            var writers = parse.InvocationConfiguration;
            return RunAsync(parse.GetRequiredValue(folder), LocalStore.ResolvePath(parse.GetValue(store)), parse.GetValue(json), writers.Output, writers.Error, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(string folder, string storePath, bool json, TextWriter output, TextWriter error, CancellationToken cancellationToken)
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

        await using var store = await LocalStore.OpenAsync(storePath, TimeProvider.System, cancellationToken).ConfigureAwait(false);
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
        await UploadClient.NotifyAsync(store.Bus, result, store.BlobsUri, cancellationToken).ConfigureAwait(false);

        if (json)
        {
            var submitted = new SubmitResult(runId, result.Upload, result.Files, result.Bytes, store.Root);
            await output.WriteLineAsync(JsonSerializer.Serialize(submitted, CliJsonContext.Default.SubmitResult)).ConfigureAwait(false);
            return DistillCommandLine.Ok;
        }
        var storeOption = StoreArgument(store.Root);
        await output.WriteLineAsync($"Submitted run {runId} ({result.Files} files, {CliConsole.Bytes(result.Bytes)}) to {store.Root}").ConfigureAwait(false);
        await output.WriteLineAsync($"Watch it:  distill watch {runId}{storeOption}").ConfigureAwait(false);
        await output.WriteLineAsync($"The pipeline runs while 'distill up{storeOption}' does.").ConfigureAwait(false);
        return DistillCommandLine.Ok;
    }

    /// <summary>" --store PATH" unless the store is the default one.</summary>
    internal static string StoreArgument(string storeRoot) =>
        storeRoot == LocalStore.ResolvePath() ? "" : $" --store {(storeRoot.Contains(' ', StringComparison.Ordinal) ? $"\"{storeRoot}\"" : storeRoot)}";

    private static string Count(int problems) => problems == 1 ? "1 problem" : string.Create(CultureInfo.InvariantCulture, $"{problems} problems");
}
