using System.Text.Json;
using Distill.Contracts.Storage;
using Distill.Pipeline;
using Distill.Pipeline.Storage;
using Distill.Pipeline.Uploads;

namespace Distill.Cli.Tests;

public sealed class SubmitCommandTests : IDisposable
{
    private readonly PipelineStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task Submit_RunFolder_UploadsItNotifiesThePipelineAndSaysHowToWatch()
    {
        var folder = _store.WriteRunFolder();

        var run = await CommandRun.RunAsync(["submit", folder, "--store", _store.StorePath]);

        Assert.Equal(DistillCommandLine.Ok, run.ExitCode);
        var match = System.Text.RegularExpressions.Regex.Match(run.Output, @"Submitted run (tiny-kd-\d{14}-[0-9a-f]{4}) \(5 files, ");
        Assert.True(match.Success, run.Output);
        var runId = match.Groups[1].Value;
        Assert.Contains($"distill watch {runId} --store {_store.StorePath}", run.Output, StringComparison.Ordinal);

        await using var store = await _store.OpenAsync();
        var names = new List<string>();
        await foreach (var item in store.Blobs.ListFolderAsync(BlobPaths.Upload(runId), PipelineStore.Cancel))
        {
            names.Add(item.Name);
        }
        Assert.Equal(
            [$"{runId}/data/train.jsonl", $"{runId}/pipeline.json", $"{runId}/teacher/config.json", $"{runId}/teacher/model.safetensors", $"{runId}/teacher/tokenizer.json"],
            names);
        var notification = await store.Bus.ReceiveAsync(PipelineTopology.UploadEventsQueue, TimeSpan.Zero, PipelineStore.Cancel);
        Assert.NotNull(notification);
        var created = BlobCreatedEvent.Parse(notification.BodyToString());
        Assert.True(created.TryGetUploadId(out var uploadId));
        Assert.Equal(runId, uploadId);
        var manifest = await store.Blobs.GetPropertiesAsync(BlobPaths.UploadManifest(runId).ToAddress(), PipelineStore.Cancel);
        Assert.Equal(manifest.ETag, created.Data.ETag);
    }

    [Fact]
    public async Task Submit_Json_PrintsTheRunIdAndWhatWasUploaded()
    {
        var folder = _store.WriteRunFolder();

        var run = await CommandRun.RunAsync(["submit", folder, "--store", _store.StorePath, "--json"]);

        Assert.Equal(DistillCommandLine.Ok, run.ExitCode);
        using var json = JsonDocument.Parse(run.Output);
        var root = json.RootElement;
        var runId = root.GetProperty("runId").GetString();
        Assert.StartsWith("tiny-kd-", runId, StringComparison.Ordinal);
        Assert.Equal("uploads", root.GetProperty("upload").GetProperty("container").GetString());
        Assert.Equal(runId, root.GetProperty("upload").GetProperty("name").GetString());
        Assert.Equal(5, root.GetProperty("files").GetInt32());
        var bytes = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.Equal(bytes, root.GetProperty("bytes").GetInt64());
        Assert.Equal(_store.StorePath, root.GetProperty("store").GetString());
    }

    [Fact]
    public async Task Submit_InvalidManifest_ExitsOneListingEveryProblemAndUploadsNothing()
    {
        var folder = _store.WriteRunFolder("""{"version": 1, "name": "Tiny KD", "data": {"train": ["data/train.jsonl"]}, "method": {"name": "kd"}, "training": {"steps": 0}}""");

        var run = await CommandRun.RunAsync(["submit", folder, "--store", _store.StorePath]);

        Assert.Equal(DistillCommandLine.Failure, run.ExitCode);
        var manifest = Path.Combine(folder, "pipeline.json");
        Assert.Contains($"distill submit: {folder} cannot be submitted (2 problems):", run.Error, StringComparison.Ordinal);
        Assert.Contains($"  {manifest}: name: 'Tiny KD' has 'T' at 0", run.Error, StringComparison.Ordinal);
        Assert.Contains($"  {manifest}: training.steps: must be at least 1, got 0", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_store.StorePath));
    }

    [Fact]
    public async Task Submit_MissingData_NamesThePath()
    {
        var folder = _store.WriteRunFolder();
        File.Delete(Path.Combine(folder, "data", "train.jsonl"));

        var run = await CommandRun.RunAsync(["submit", folder, "--store", _store.StorePath]);

        Assert.Equal(DistillCommandLine.Failure, run.ExitCode);
        Assert.Contains($"{Path.Combine(folder, "data", "train.jsonl")}: no such file or folder (data.train[0])", run.Error, StringComparison.Ordinal);
    }
}
