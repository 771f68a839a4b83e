using Distill.Contracts.Events;
using Distill.Contracts.Manifests;
using Distill.Contracts.Runs;
using Distill.Contracts.Stages;
using Distill.Contracts.Storage;
using Distill.Pipeline.Handlers;
using Distill.Pipeline.Storage;

namespace Distill.Pipeline.Tests.Handlers;

public sealed class UploadHandlerTests : IAsyncLifetime
{
    private PipelineHarness _harness = null!;

    private static CancellationToken Cancel => PipelineHarness.Cancel;

    public async ValueTask InitializeAsync() => _harness = await PipelineHarness.CreateAsync();

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Fact]
    public async Task HandleUpload_ValidUpload_AcceptsQueuesPrepareSendsOneCommandAndPublishesAccepted()
    {
        var upload = TestUpload.Valid();
        await _harness.WriteUploadAsync("run-1", upload);

        await _harness.Handlers.Uploads.HandleUploadAsync("run-1", Cancel);

        var state = await _harness.StateAsync("run-1");
        Assert.Equal(RunStatus.Accepted, state.Status);
        Assert.Equal("tiny-kd", state.Name);
        Assert.Equal(PipelineManifest.Sha256(upload.Files["pipeline.json"]), state.ManifestSha256);
        Assert.Equal([StageNames.Prepare, StageNames.Distill, StageNames.Evaluate], state.Stages.Select(s => s.Name));
        Assert.Equal(StageStatus.Queued, state.Stage(StageNames.Prepare).Status);
        Assert.Equal(1, state.Stage(StageNames.Prepare).Attempt);
        Assert.Equal(StageStatus.Pending, state.Stage(StageNames.Distill).Status);

        var command = Assert.Single(await _harness.DrainCommandsAsync());
        Assert.Equal(("run-1", StageNames.Prepare, 1), (command.RunId, command.Stage, command.Attempt));
        Assert.Equal(state.ManifestSha256, command.ManifestSha256);
        Assert.Equal(BlobPaths.Upload("run-1"), command.Upload);
        Assert.Contains("distill.run.accepted.json", await _harness.EventFilesAsync("run-1"));
        var accepted = DistillEvents.ReadData<RunAccepted>(CloudEventEnvelope.FromJson(await _harness.ReadTextAsync(BlobPaths.RunEvent("run-1", "run-1:distill.run.accepted"))));
        Assert.Equal(state.Stages.Select(s => s.Name), accepted.Stages);
        Assert.Empty(await _harness.DrainAsync(PipelineTopology.Subscription(PipelineTopology.DeadLetterWatchSubscription)));
    }

    [Fact]
    public async Task HandleUpload_TedManifest_PlansBothFilterStagesBeforeDistill()
    {
        var manifest = TestUpload.ValidManifest.Replace("\"name\": \"kd\", \"temperature\": 2", "\"name\": \"ted\"", StringComparison.Ordinal);
        await _harness.WriteUploadAsync("run-ted", TestUpload.Valid(manifest));

        await _harness.Handlers.Uploads.HandleUploadAsync("run-ted", Cancel);

        var state = await _harness.StateAsync("run-ted");
        Assert.Equal(RunStatus.Accepted, state.Status);
        Assert.Equal(
            [StageNames.Prepare, StageNames.TedTeacherFilters, StageNames.TedStudentFilters, StageNames.Distill, StageNames.Evaluate],
            state.Stages.Select(s => s.Name));
        Assert.Equal(StageNames.Prepare, Assert.Single(await _harness.DrainCommandsAsync()).Stage);
    }

    [Fact]
    public async Task HandleUpload_SameNotificationTwice_CreatesOneRunAndSendsOneCommand()
    {
        await _harness.WriteUploadAsync("run-2", TestUpload.Valid());
        var notification = await _harness.NotifyAsync("run-2");
        await _harness.DrainAsync(PipelineTopology.UploadEventsQueue);

        await _harness.Handlers.Uploads.HandleAsync(notification, Cancel);
        var first = await _harness.Context.Runs.ReadAsync("run-2", Cancel);
        _harness.Time.Advance(TimeSpan.FromSeconds(5));
        await _harness.Handlers.Uploads.HandleAsync(notification, Cancel);

        Assert.Equal(first?.ETag, (await _harness.Context.Runs.ReadAsync("run-2", Cancel))?.ETag);
        Assert.Single(await _harness.DrainCommandsAsync());
    }

    [Fact]
    public async Task Dispatch_BusFailsAfterTheStateIsCreated_MessageIsAbandonedAndItsRedeliveryFinishesWithOneCommand()
    {
        await _harness.WriteUploadAsync("run-3", TestUpload.Valid());
        await _harness.NotifyAsync("run-3");
        _harness.Bus.FailSends(PipelineTopology.StagesQueue);

        var first = await _harness.Handlers.ProcessNextAsync(PipelineTopology.UploadEventsQueue, TimeSpan.Zero, Cancel);

        Assert.Equal(MessageDisposition.Abandon, first?.Disposition);
        Assert.True(first?.IsTransient);
        Assert.Equal(StageStatus.Queued, (await _harness.StateAsync("run-3")).Stage(StageNames.Prepare).Status);
        Assert.Empty(await _harness.DrainCommandsAsync());
        // Abandoned with a delay: not visible until it has passed.
        Assert.Null(await _harness.Handlers.ProcessNextAsync(PipelineTopology.UploadEventsQueue, TimeSpan.Zero, Cancel));

        _harness.Time.Advance(PipelineHandlers.RetryDelay(1));
        var redelivered = await _harness.Bus.ReceiveAsync(PipelineTopology.UploadEventsQueue, TimeSpan.Zero, Cancel);
        Assert.NotNull(redelivered);
        Assert.Equal(2, redelivered.DeliveryCount);
        var second = await _harness.Handlers.HandleAsync(redelivered, Cancel);

        Assert.Equal(MessageDisposition.Complete, second.Disposition);
        Assert.Equal(StageNames.Prepare, Assert.Single(await _harness.DrainCommandsAsync()).Stage);
        Assert.Null(await _harness.Bus.ReceiveAsync(PipelineTopology.UploadEventsQueue, TimeSpan.Zero, Cancel));
    }

    [Fact]
    public async Task HandleUpload_CrashBeforeQueuing_RedeliveryQueuesAndSendsOnce()
    {
        // The state exists (created by a delivery that stopped right after), nothing else happened yet.
        var upload = TestUpload.Valid();
        await _harness.WriteUploadAsync("run-4", upload);
        var created = RunState.Accept("run-4", "tiny-kd", PipelineManifest.Sha256(upload.Files["pipeline.json"]), [StageNames.Prepare, StageNames.Distill, StageNames.Evaluate], _harness.Time.GetUtcNow());
        Assert.True(await _harness.Context.Runs.TryCreateAsync(created, Cancel));

        await _harness.Handlers.Uploads.HandleUploadAsync("run-4", Cancel);
        await _harness.Handlers.Uploads.HandleUploadAsync("run-4", Cancel);

        Assert.Equal(StageStatus.Queued, (await _harness.StateAsync("run-4")).Stage(StageNames.Prepare).Status);
        Assert.Single(await _harness.DrainCommandsAsync());
        Assert.Contains("distill.run.accepted.json", await _harness.EventFilesAsync("run-4"));
    }

    public static TheoryData<string, string, string> InvalidUploads => new()
    {
        { "missing-config", "teacher/config.json", "uploads/bad-run/teacher/config.json: missing" },
        { "truncated-weights", "teacher/model.safetensors", "uploads/bad-run/teacher/model.safetensors: the file is truncated" },
        { "missing-tokenizer", "teacher/tokenizer.json", "uploads/bad-run/teacher/tokenizer.json: missing" },
        { "tokenizer-without-model", "teacher/tokenizer.json", "uploads/bad-run/teacher/tokenizer.json: has no 'model' object" },
        { "empty-data", "data/train.jsonl", "uploads/bad-run/data/train.jsonl: the data file is empty (data.train[0])" },
        { "folder-without-data", "data/valid", "uploads/bad-run/data/valid/: the folder holds no .jsonl, .txt, .text or .md files (data.validation[0])" },
        { "student-shape", "pipeline.json", "uploads/bad-run/pipeline.json: student.heads: 4 heads do not divide hidden_size 30" },
        { "method-depth", "pipeline.json", "uploads/bad-run/pipeline.json: method.ted" },
        { "block-size", "pipeline.json", "uploads/bad-run/pipeline.json: data.blockSize: 128 tokens exceed the teacher's 64 positions" },
    };

    [Theory]
    [MemberData(nameof(InvalidUploads))]
    public async Task HandleUpload_InvalidInput_FailsTheRunNamingTheBlobQueuesNothingAndPublishesFailedOnce(string problem, string file, string expected)
    {
        var upload = TestUpload.Valid();
        switch (problem)
        {
            case "missing-config" or "missing-tokenizer":
                upload.Files.Remove(file);
                break;
            case "truncated-weights":
                upload.Files[file] = upload.Files[file][..100];
                break;
            case "tokenizer-without-model":
                upload.Files[file] = "{\"version\": \"1.0\"}"u8.ToArray();
                break;
            case "empty-data":
                upload.Files[file] = [];
                break;
            case "folder-without-data":
                upload.Files.Remove("data/valid/part-0.jsonl");
                break;
            case "student-shape":
                upload.Manifest = upload.Manifest.Replace("\"layers\": 2", "\"layers\": 2, \"hiddenSize\": 30", StringComparison.Ordinal);
                break;
            case "method-depth":
                upload.Manifest = upload.Manifest.Replace("\"name\": \"kd\", \"temperature\": 2", "\"name\": \"ted\", \"ted\": {\"studentInterval\": 3}", StringComparison.Ordinal);
                break;
            case "block-size":
                upload.Manifest = upload.Manifest.Replace("\"blockSize\": 16", "\"blockSize\": 128", StringComparison.Ordinal);
                break;
        }
        await _harness.WriteUploadAsync("bad-run", upload);

        await _harness.Handlers.Uploads.HandleUploadAsync("bad-run", Cancel);
        await _harness.Handlers.Uploads.HandleUploadAsync("bad-run", Cancel);

        var state = await _harness.StateAsync("bad-run");
        Assert.Equal(RunStatus.Failed, state.Status);
        Assert.Empty(state.Stages);
        Assert.Equal("tiny-kd", state.Name);
        var failure = Assert.IsType<RunFailure>(state.Failure);
        Assert.Null(failure.Stage);
        Assert.True(failure.Reasons.Any(reason => reason.StartsWith(expected, StringComparison.Ordinal)), string.Join("\n", failure.Reasons));
        Assert.Empty(await _harness.DrainCommandsAsync());
        var failed = Assert.Single(await _harness.DrainEventsAsync<PipelineFailed>(PipelineTopology.DeadLetterWatchSubscription));
        Assert.Equal(failure.Reasons, failed.Reasons);
        Assert.Equal(["distill.pipeline.failed.json"], await _harness.EventFilesAsync("bad-run"));
    }

    [Fact]
    public async Task HandleUpload_InvalidManifest_ListsEveryProblemWithItsPath()
    {
        var upload = TestUpload.Valid();
        upload.Manifest = """
            {"version": 1, "name": "Tiny Run", "data": {"train": ["../outside.jsonl"]}, "method": {"name": "kd", "temprature": 2}, "training": {"steps": 0}}
            """;
        await _harness.WriteUploadAsync("bad-manifest", upload);

        await _harness.Handlers.Uploads.HandleUploadAsync("bad-manifest", Cancel);

        var state = await _harness.StateAsync("bad-manifest");
        Assert.Equal(RunStatus.Failed, state.Status);
        Assert.Equal("bad-manifest", state.Name);
        var reasons = state.Failure?.Reasons ?? [];
        foreach (var path in new[] { "name: ", "data.train[0]: ", "training.steps: ", "method.temprature: " })
        {
            Assert.Contains(reasons, reason => reason.StartsWith("uploads/bad-manifest/pipeline.json: " + path, StringComparison.Ordinal));
        }
        Assert.Single(await _harness.DrainEventsAsync<PipelineFailed>(PipelineTopology.DeadLetterWatchSubscription));
    }

    [Fact]
    public async Task HandleUpload_SeveralProblems_ListsThemAllInOneFailure()
    {
        var upload = TestUpload.Valid();
        upload.Files.Remove("teacher/tokenizer.json");
        upload.Files["data/train.jsonl"] = [];
        upload.Files["teacher/model.safetensors"] = upload.Files["teacher/model.safetensors"][..20];
        await _harness.WriteUploadAsync("many", upload);

        await _harness.Handlers.Uploads.HandleUploadAsync("many", Cancel);

        var reasons = (await _harness.StateAsync("many")).Failure?.Reasons ?? [];
        Assert.Equal(3, reasons.Count);
        Assert.Contains(reasons, r => r.StartsWith("uploads/many/teacher/model.safetensors: ", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.StartsWith("uploads/many/teacher/tokenizer.json: ", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.StartsWith("uploads/many/data/train.jsonl: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HandleUpload_ShardedTeacher_ChecksTheIndexAndEveryShard()
    {
        var upload = TestUpload.Valid();
        upload.Files.Remove("teacher/model.safetensors");
        upload.Files["teacher/model-00001-of-00002.safetensors"] = TestUpload.SafeTensors(("transformer.wte.weight", [64, 32]));
        upload.Files["teacher/model.safetensors.index.json"] = """
            {"metadata": {}, "weight_map": {"transformer.wte.weight": "model-00001-of-00002.safetensors", "transformer.wpe.weight": "model-00002-of-00002.safetensors"}}
            """u8.ToArray();
        await _harness.WriteUploadAsync("sharded", upload);

        await _harness.Handlers.Uploads.HandleUploadAsync("sharded", Cancel);
        var missing = (await _harness.StateAsync("sharded")).Failure?.Reasons ?? [];

        upload.Files["teacher/model-00002-of-00002.safetensors"] = TestUpload.SafeTensors(("transformer.wpe.weight", [64, 32]));
        await _harness.WriteUploadAsync("sharded-ok", upload);
        await _harness.Handlers.Uploads.HandleUploadAsync("sharded-ok", Cancel);

        var reason = Assert.Single(missing);
        Assert.Contains("uploads/sharded/teacher/model.safetensors.index.json", reason, StringComparison.Ordinal);
        Assert.Contains("model-00002-of-00002.safetensors", reason, StringComparison.Ordinal);
        Assert.Equal(RunStatus.Accepted, (await _harness.StateAsync("sharded-ok")).Status);
    }

    [Fact]
    public async Task HandleUpload_InvalidUploadNextToAValidOne_LeavesTheValidRunAlone()
    {
        var broken = TestUpload.Valid();
        broken.Files.Remove("teacher/config.json");
        await _harness.WriteUploadAsync("good", TestUpload.Valid());
        await _harness.WriteUploadAsync("broken", broken);

        await _harness.Handlers.Uploads.HandleUploadAsync("broken", Cancel);
        await _harness.Handlers.Uploads.HandleUploadAsync("good", Cancel);

        Assert.Equal(RunStatus.Failed, (await _harness.StateAsync("broken")).Status);
        Assert.Equal(RunStatus.Accepted, (await _harness.StateAsync("good")).Status);
        Assert.Equal("good", Assert.Single(await _harness.DrainCommandsAsync()).RunId);
        Assert.Equal("broken", Assert.Single(await _harness.DrainEventsAsync<PipelineFailed>(PipelineTopology.DeadLetterWatchSubscription)).RunId);
    }

    [Fact]
    public async Task Dispatch_NotificationOfAnotherBlob_IsCompletedWithoutARun()
    {
        await _harness.WriteUploadAsync("run-5", TestUpload.Valid());
        var notification = await _harness.NotifyAsync("run-5");
        await _harness.DrainAsync(PipelineTopology.UploadEventsQueue);
        foreach (var subject in new[]
        {
            "/blobServices/default/containers/uploads/blobs/run-5/teacher/config.json",
            "/blobServices/default/containers/runs/blobs/run-5/pipeline.json",
            "/blobServices/default/containers/uploads/blobs/Run_5/pipeline.json",
        })
        {
            var message = (notification with { Id = Guid.NewGuid().ToString(), Subject = subject }).ToBusMessage();
            await _harness.Bus.SendAsync(PipelineTopology.UploadEventsQueue, message, Cancel);
        }
        await _harness.Bus.SendAsync(PipelineTopology.UploadEventsQueue, Distill.Pipeline.Messaging.BusMessage.FromText("not an event"), Cancel);

        var outcomes = new List<HandlerOutcome?>();
        for (var i = 0; i < 4; i++)
        {
            outcomes.Add(await _harness.Handlers.ProcessNextAsync(PipelineTopology.UploadEventsQueue, TimeSpan.Zero, Cancel));
        }

        Assert.All(outcomes, outcome => Assert.Equal(MessageDisposition.Complete, outcome?.Disposition));
        Assert.IsType<InvalidMessageException>(outcomes[3]?.Fault);
        Assert.Null(await _harness.Bus.ReceiveAsync(PipelineTopology.UploadEventsQueue, TimeSpan.Zero, Cancel));
        Assert.Null(await _harness.Context.Runs.ReadAsync("run-5", Cancel));
        Assert.Contains(_harness.Logs.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Error && e.Message.Contains("cannot be read", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dispatch_InvalidUpload_IsCompletedOnceTheFailureIsRecorded()
    {
        var upload = TestUpload.Valid();
        upload.Files.Remove("teacher/tokenizer.json");
        await _harness.WriteUploadAsync("run-8", upload);
        await _harness.NotifyAsync("run-8");

        var outcome = await _harness.Handlers.ProcessNextAsync(PipelineTopology.UploadEventsQueue, TimeSpan.Zero, Cancel);

        Assert.Equal(HandlerOutcome.Handled, outcome);
        Assert.Equal(RunStatus.Failed, (await _harness.StateAsync("run-8")).Status);
        _harness.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Null(await _harness.Bus.ReceiveAsync(PipelineTopology.UploadEventsQueue, TimeSpan.Zero, Cancel));
    }

    [Fact]
    public async Task HandleUpload_LogsInAScopeCarryingTheRunId()
    {
        await _harness.WriteUploadAsync("run-6", TestUpload.Valid());

        await _harness.Handlers.Uploads.HandleUploadAsync("run-6", Cancel);

        var accepted = Assert.Single(_harness.Logs.Entries, e => e.Message.StartsWith("Run run-6 (tiny-kd) accepted", StringComparison.Ordinal));
        Assert.Equal("run-6", accepted.Scope[PipelineLogging.RunIdProperty]);
    }

    [Fact]
    public async Task HandleUpload_ManifestGone_RecordsTheRunAsFailed()
    {
        await _harness.Handlers.Uploads.HandleUploadAsync("run-7", Cancel);

        var state = await _harness.StateAsync("run-7");
        Assert.Equal(RunStatus.Failed, state.Status);
        Assert.StartsWith("uploads/run-7/pipeline.json: the manifest does not exist", Assert.Single(state.Failure?.Reasons ?? []), StringComparison.Ordinal);
    }
}
