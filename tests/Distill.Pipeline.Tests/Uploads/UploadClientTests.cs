using System.Text.RegularExpressions;
using Distill.Contracts.Runs;
using Distill.Contracts.Stages;
using Distill.Contracts.Storage;
using Distill.Pipeline.Storage;
using Distill.Pipeline.Tests.Handlers;
using Distill.Pipeline.Tests.Messaging;
using Distill.Pipeline.Uploads;

namespace Distill.Pipeline.Tests.Uploads;

public sealed class UploadClientTests : IAsyncLifetime
{
    private readonly TemporaryDirectory _folder = new();
    private PipelineHarness _harness = null!;

    private static CancellationToken Cancel => PipelineHarness.Cancel;

    public async ValueTask InitializeAsync() => _harness = await PipelineHarness.CreateAsync();

    public async ValueTask DisposeAsync()
    {
        await _harness.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task Upload_RunFolder_SendsEveryFileThenTheManifestLastReportingProgress()
    {
        var upload = TestUpload.Valid();
        upload.Files["teacher/.git/objects/pack"] = [1, 2, 3];
        upload.WriteTo(_folder.Path);
        var store = new RecordingBlobStore(_harness.Blobs);
        var client = new UploadClient(store, _harness.Time);
        var plan = UploadClient.Check(_folder.Path);
        var reports = new List<UploadProgress>();

        var result = await client.UploadAsync(plan, "run-1", new Handlers.SyncProgress<UploadProgress>(reports.Add), Cancel);

        Assert.Equal("uploads/run-1/pipeline.json", store.Writes[^1]);
        Assert.Equal(
            ["uploads/run-1/data/train.jsonl", "uploads/run-1/data/valid/notes.csv", "uploads/run-1/data/valid/part-0.jsonl",
             "uploads/run-1/teacher/config.json", "uploads/run-1/teacher/model.safetensors", "uploads/run-1/teacher/tokenizer.json", "uploads/run-1/pipeline.json"],
            store.Writes);
        var total = upload.Files.Where(f => !f.Key.Contains(".git", StringComparison.Ordinal)).Sum(f => (long)f.Value.Length);
        Assert.Equal(total, result.Bytes);
        Assert.Equal(7, result.Files);
        Assert.Equal(new UploadProgress(total, total, 7, 7, "pipeline.json"), reports[^1]);
        Assert.True(reports.Zip(reports.Skip(1)).All(pair => pair.First.BytesSent <= pair.Second.BytesSent));
        var properties = await _harness.Blobs.GetPropertiesAsync(BlobPaths.UploadManifest("run-1").ToAddress(), Cancel);
        Assert.Equal(properties.ETag, result.ManifestETag);
    }

    [Fact]
    public async Task Upload_SameIdTwice_RefusesToReplaceTheManifest()
    {
        TestUpload.Valid().WriteTo(_folder.Path);
        var client = new UploadClient(_harness.Blobs, _harness.Time);
        var plan = UploadClient.Check(_folder.Path);
        await client.UploadAsync(plan, "run-2", null, Cancel);

        var error = await Assert.ThrowsAsync<BlobStoreException>(() => client.UploadAsync(plan, "run-2", null, Cancel));

        Assert.Equal(BlobStoreErrorReason.ConditionNotMet, error.Reason);
    }

    [Fact]
    public async Task Notify_AfterUpload_StartsTheRunThroughTheUploadHandler()
    {
        TestUpload.Valid().WriteTo(_folder.Path);
        var result = await new UploadClient(_harness.Blobs, _harness.Time).UploadAsync(UploadClient.Check(_folder.Path), "run-3", null, Cancel);

        var notification = await UploadClient.NotifyAsync(_harness.Bus, result, new Uri("file:///store/blobs/"), Cancel);
        var outcome = await _harness.Handlers.ProcessNextAsync(PipelineTopology.UploadEventsQueue, TimeSpan.Zero, Cancel);

        Assert.True(notification.TryGetUploadId(out var uploadId));
        Assert.Equal("run-3", uploadId);
        Assert.Equal(result.ManifestETag, notification.Data.ETag);
        Assert.Equal(Pipeline.Handlers.MessageDisposition.Complete, outcome?.Disposition);
        Assert.Equal(RunStatus.Accepted, (await _harness.StateAsync("run-3")).Status);
        Assert.Equal(StageNames.Prepare, Assert.Single(await _harness.DrainCommandsAsync()).Stage);
    }

    [Fact]
    public void Check_InvalidManifest_ListsEveryProblemWithThePath()
    {
        var upload = TestUpload.Valid();
        upload.Manifest = """{"version": 1, "name": "Bad Name", "data": {"train": []}, "method": {"name": "kd"}, "training": {"steps": 0}}""";
        upload.WriteTo(_folder.Path);

        var error = Assert.Throws<UploadFolderException>(() => UploadClient.Check(_folder.Path));

        var manifest = Path.Combine(_folder.Path, "pipeline.json");
        Assert.Equal(3, error.Problems.Count);
        Assert.All(error.Problems, problem => Assert.StartsWith(manifest + ": ", problem, StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith(manifest + ": name: ", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith(manifest + ": data.train: ", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith(manifest + ": training.steps: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_MissingTeacherAndData_NamesEachPath()
    {
        var upload = TestUpload.Valid();
        foreach (var path in upload.Files.Keys.Where(p => p != "pipeline.json").ToList())
        {
            upload.Files.Remove(path);
        }
        upload.WriteTo(_folder.Path);

        var error = Assert.Throws<UploadFolderException>(() => UploadClient.Check(_folder.Path));

        Assert.Equal(
            [
                $"{Path.Combine(_folder.Path, "teacher")}: the teacher folder does not exist (teacher.path is 'teacher')",
                $"{Path.Combine(_folder.Path, "data", "train.jsonl")}: no such file or folder (data.train[0])",
                $"{Path.Combine(_folder.Path, "data", "valid")}: no such file or folder (data.validation[0])",
            ],
            error.Problems);
    }

    [Fact]
    public void Check_NoManifest_SaysSo()
    {
        var error = Assert.Throws<UploadFolderException>(() => UploadClient.Check(_folder.Path));

        Assert.Equal($"{Path.Combine(_folder.Path, "pipeline.json")}: missing; a run folder needs its manifest (see the pipeline.json reference)", Assert.Single(error.Problems));
    }

    [Fact]
    public void NewUploadId_IsTheNameTimeAndFourHexDigits_ShortenedToAValidId()
    {
        var now = new DateTimeOffset(2026, 3, 1, 12, 34, 56, TimeSpan.Zero);

        var id = UploadClient.NewUploadId("tiny-kd", now);
        var longId = UploadClient.NewUploadId(new string('a', 42) + "-" + new string('b', 20), now);

        Assert.Matches(new Regex("^tiny-kd-20260301123456-[0-9a-f]{4}$"), id);
        Assert.True(BlobPaths.IsValidId(longId));
        Assert.Equal(BlobPaths.MaxIdLength - 1, longId.Length);
        Assert.StartsWith(new string('a', 42) + "-20260301123456-", longId, StringComparison.Ordinal);
    }
}
