using System.Text.Json;
using Distill.Contracts.Events;
using Distill.Contracts.Stages;
using Distill.Contracts.Storage;
using Distill.Contracts.Tests.Runs;

namespace Distill.Contracts.Tests.Events;

/// <summary>Distill's events as CloudEvents 1.0 structured JSON: the envelope, deterministic ids, every payload pinned and read back by type.</summary>
public sealed class CloudEventTests
{
    private static readonly DateTimeOffset s_time = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public static TheoryData<string, string> Payloads => new()
    {
        { nameof(RunAccepted), """{"schemaVersion":1,"runId":"run42","name":"tiny-gpt2-kd","manifestSha256":"ab12","upload":{"container":"uploads","name":"run42"},"stages":["prepare","distill","evaluate"]}""" },
        { nameof(StageStarted), """{"schemaVersion":1,"runId":"run42","stage":"distill","attempt":1,"runner":"runner-a","resumedFromStep":200}""" },
        { nameof(StageProgressed), """{"schemaVersion":1,"runId":"run42","stage":"distill","attempt":1,"step":250,"totalSteps":300,"metrics":{"loss":2.5,"tokensPerSecond":4096}}""" },
        { nameof(StageCompleted), """{"schemaVersion":1,"runId":"run42","stage":"distill","attempt":1,"metrics":{"loss":2.25},"artifacts":{"student":"runs/run42/artifacts/student"}}""" },
        { nameof(StageFailed), """{"schemaVersion":1,"runId":"run42","stage":"distill","attempt":2,"reasons":["the loss became NaN at step 17"]}""" },
        { nameof(PipelineCompleted), """{"schemaVersion":1,"runId":"run42","name":"tiny-gpt2-kd","student":{"container":"models","name":"tiny-gpt2-student/run42"},"report":{"container":"runs","name":"run42/report"},"metrics":{"studentPerplexity":12},"comparison":{"teacherParameters":800000,"studentParameters":200000,"teacherPerplexity":8,"studentPerplexity":12,"topOneAgreement":0.625,"forwardKl":0.25,"teacherTokensPerSecond":1000,"studentTokensPerSecond":4000,"tokensEvaluated":4096,"perplexityRatio":1.5,"sizeRatio":0.25,"speedup":4}}""" },
        { nameof(PipelineFailed), """{"schemaVersion":1,"runId":"run42","name":"tiny-gpt2-kd","failedStage":"evaluate","reasons":["the student\u0027s perplexity 12 is 1.5 times the teacher\u0027s 8; evaluation.gates.maxPerplexityRatio allows 1.2"]}""" },
    };

    internal static DistillEventData Payload(string name) => name switch
    {
        nameof(RunAccepted) => new RunAccepted
        {
            RunId = "run42",
            Name = "tiny-gpt2-kd",
            ManifestSha256 = "ab12",
            Upload = BlobPaths.Upload("run42"),
            Stages = StagePlan.For("kd"),
        },
        nameof(StageStarted) => new StageStarted { RunId = "run42", Stage = StageNames.Distill, Attempt = 1, Runner = "runner-a", ResumedFromStep = 200 },
        nameof(StageProgressed) => new StageProgressed
        {
            RunId = "run42",
            Stage = StageNames.Distill,
            Attempt = 1,
            Step = 250,
            TotalSteps = 300,
            Metrics = new Dictionary<string, double> { ["loss"] = 2.5, ["tokensPerSecond"] = 4096 },
        },
        nameof(StageCompleted) => new StageCompleted
        {
            RunId = "run42",
            Stage = StageNames.Distill,
            Attempt = 1,
            Metrics = new Dictionary<string, double> { ["loss"] = 2.25 },
            Artifacts = new Dictionary<string, string> { [ArtifactNames.Student] = "runs/run42/artifacts/student" },
        },
        nameof(StageFailed) => new StageFailed { RunId = "run42", Stage = StageNames.Distill, Attempt = 2, Reasons = ["the loss became NaN at step 17"] },
        nameof(PipelineCompleted) => new PipelineCompleted
        {
            RunId = "run42",
            Name = "tiny-gpt2-kd",
            Student = BlobPaths.PublishedModel("tiny-gpt2-student", "run42"),
            Report = BlobPaths.Report("run42"),
            Metrics = new Dictionary<string, double> { ["studentPerplexity"] = 12 },
            Comparison = RunStateJsonTests.Comparison(),
        },
        nameof(PipelineFailed) => new PipelineFailed
        {
            RunId = "run42",
            Name = "tiny-gpt2-kd",
            FailedStage = StageNames.Evaluate,
            Reasons = ["the student's perplexity 12 is 1.5 times the teacher's 8; evaluation.gates.maxPerplexityRatio allows 1.2"],
        },
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Payloads))]
    public void Payload_RoundTripsThroughItsPinnedDataAndEnvelope(string name, string pinnedData)
    {
        var payload = Payload(name);

        var envelope = DistillEvents.ToCloudEvent(payload, s_time);
        var json = envelope.ToJson();
        var back = DistillEvents.ReadData(CloudEventEnvelope.FromJson(json));

        Assert.Equal(pinnedData, envelope.Data!.Value.GetRawText());
        Assert.Equal(payload.GetType(), back.GetType());
        Assert.Equivalent(payload, back, strict: true);
        Assert.Equal(json, DistillEvents.ToCloudEvent(back, s_time).ToJson());
    }

    [Fact]
    public void Envelope_HasExactlyTheCloudEventsAttributes()
    {
        var envelope = DistillEvents.ToCloudEvent(Payload(nameof(StageCompleted)), s_time);

        var json = envelope.ToJson();

        Assert.Equal(
            """{"specversion":"1.0","id":"run42:distill.stage.completed:distill:1","source":"/distill/runs/run42","type":"distill.stage.completed","subject":"stages/distill","time":"2026-01-02T03:04:05+00:00","datacontenttype":"application/json","data":{"schemaVersion":1,"runId":"run42","stage":"distill","attempt":1,"metrics":{"loss":2.25},"artifacts":{"student":"runs/run42/artifacts/student"}}}""",
            json);
        using var document = JsonDocument.Parse(json);
        var names = document.RootElement.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(["specversion", "id", "source", "type", "subject", "time", "datacontenttype", "data"], names);
        // CloudEvents 1.0: attribute names are lowercase letters and digits only.
        Assert.All(names, n => Assert.Matches("^[a-z0-9]{1,20}$", n));
        Assert.True(DateTimeOffset.TryParse(document.RootElement.GetProperty("time").GetString(), out var time));
        Assert.Equal(s_time, time);
    }

    [Fact]
    public void RunEvents_HaveNoSubject()
    {
        var json = DistillEvents.ToCloudEvent(Payload(nameof(PipelineCompleted)), s_time).ToJson();

        using var document = JsonDocument.Parse(json);
        Assert.False(document.RootElement.TryGetProperty("subject", out _));
        Assert.Equal("distill.pipeline.completed", document.RootElement.GetProperty("type").GetString());
    }

    [Theory]
    [InlineData(nameof(RunAccepted), DistillEventTypes.RunAccepted, "run42:distill.run.accepted", null)]
    [InlineData(nameof(StageStarted), DistillEventTypes.StageStarted, "run42:distill.stage.started:distill:1", "stages/distill")]
    [InlineData(nameof(StageProgressed), DistillEventTypes.StageProgress, "run42:distill.stage.progress:distill:1:250", "stages/distill")]
    [InlineData(nameof(StageCompleted), DistillEventTypes.StageCompleted, "run42:distill.stage.completed:distill:1", "stages/distill")]
    [InlineData(nameof(StageFailed), DistillEventTypes.StageFailed, "run42:distill.stage.failed:distill:2", "stages/distill")]
    [InlineData(nameof(PipelineCompleted), DistillEventTypes.PipelineCompleted, "run42:distill.pipeline.completed", null)]
    [InlineData(nameof(PipelineFailed), DistillEventTypes.PipelineFailed, "run42:distill.pipeline.failed", null)]
    public void EachPayload_HasItsTypeDeterministicIdAndSubject(string name, string type, string id, string? subject)
    {
        var payload = Payload(name);

        var first = DistillEvents.ToCloudEvent(payload, s_time);
        var again = DistillEvents.ToCloudEvent(Payload(name), s_time.AddMinutes(5));

        Assert.Equal((type, id, subject), (first.Type, first.Id, first.Subject));
        Assert.Equal((type, id), (payload.EventType, payload.EventId));
        Assert.Equal(first.Id, again.Id);
        Assert.Equal("/distill/runs/run42", first.Source);
        Assert.Equal(("1.0", "application/json"), (first.SpecVersion, first.DataContentType));
    }

    [Fact]
    public void ProgressEvents_OfDifferentSteps_HaveDifferentIds()
    {
        var at250 = (StageProgressed)Payload(nameof(StageProgressed));

        Assert.NotEqual(at250.EventId, (at250 with { Step = 260 }).EventId);
        Assert.NotEqual(at250.EventId, (at250 with { Attempt = 2 }).EventId);
    }

    [Fact]
    public void ReadDataOfType_ReturnsTheTypedPayloadOrRejectsAnother()
    {
        var envelope = CloudEventEnvelope.FromJson(DistillEvents.ToCloudEvent(Payload(nameof(PipelineCompleted)), s_time).ToJson());

        var completed = DistillEvents.ReadData<PipelineCompleted>(envelope);
        var error = Assert.Throws<JsonException>(() => DistillEvents.ReadData<PipelineFailed>(envelope));

        Assert.Equal("models/tiny-gpt2-student/run42", completed.Student.ToString());
        Assert.Equal(1.5, completed.Comparison.PerplexityRatio);
        Assert.Equal("CloudEvent 'run42:distill.pipeline.completed' has type 'distill.pipeline.completed', not the type of PipelineFailed", error.Message);
    }

    [Fact]
    public void Batch_IsAJsonArrayOfEnvelopes()
    {
        var events = new[] { Payload(nameof(StageStarted)), Payload(nameof(StageProgressed)) }.Select(p => DistillEvents.ToCloudEvent(p, s_time)).ToList();

        var json = CloudEventEnvelope.ToBatchJson(events);

        using var document = JsonDocument.Parse(json);
        Assert.Equal(JsonValueKind.Array, document.RootElement.ValueKind);
        Assert.Equal([events[0].ToJson(), events[1].ToJson()], document.RootElement.EnumerateArray().Select(e => e.GetRawText()));
    }

    [Fact]
    public void FromJson_ForeignEnvelopeWithExtensions_IsReadAndItsTypeIsNotDistills()
    {
        const string Json = """{"specversion":"1.0","type":"Microsoft.Storage.BlobCreated","source":"/subscriptions/s/storageAccounts/a","subject":"/blobServices/default/containers/uploads/blobs/run42/pipeline.json","id":"831e1650","time":"2026-06-26T18:41:00.9584103Z","traceparent":"00-1-2-01","data":{"api":"PutBlockList"}}""";

        var envelope = CloudEventEnvelope.FromJson(Json);

        Assert.False(DistillEventTypes.IsKnown(envelope.Type));
        Assert.True(BlobPaths.TryParseUploadManifestSubject(envelope.Subject!, out var uploadId));
        Assert.Equal("run42", uploadId);
        Assert.Null(envelope.DataContentType);
        var error = Assert.Throws<JsonException>(() => DistillEvents.ReadData(envelope));
        Assert.StartsWith("CloudEvent '831e1650' has type 'Microsoft.Storage.BlobCreated', which is not a Distill event (known: distill.run.accepted,", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"specversion":"0.3","id":"1","source":"/s","type":"distill.run.accepted"}""", "a CloudEvent has specversion '0.3'; this Distill reads 1.0")]
    [InlineData("""{"specversion":"1.0","source":"/s","type":"distill.run.accepted"}""", "a CloudEvent is malformed: ")]
    [InlineData("""{"specversion":"1.0","id":"","source":"/s","type":"distill.run.accepted"}""", "a CloudEvent's 'id' is empty")]
    public void FromJson_InvalidEnvelope_IsRejected(string json, string start)
    {
        var error = Assert.Throws<JsonException>(() => CloudEventEnvelope.FromJson(json));

        Assert.StartsWith(start, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"specversion":"1.0","id":"1","source":"/s","type":"distill.run.accepted"}""", "the data of CloudEvent '1' (distill.run.accepted) must be a JSON object")]
    [InlineData("""{"specversion":"1.0","id":"1","source":"/s","type":"distill.stage.failed","datacontenttype":"text/plain","data":{}}""", "the data of CloudEvent '1' (distill.stage.failed) has datacontenttype 'text/plain', not application/json")]
    [InlineData("""{"specversion":"1.0","id":"1","source":"/s","type":"distill.stage.failed","data":{"schemaVersion":1,"runId":"r"}}""", "the data of CloudEvent '1' (distill.stage.failed) is malformed: ")]
    [InlineData("""{"specversion":"1.0","id":"1","source":"/s","type":"distill.stage.failed","data":{"schemaVersion":3,"runId":"r","stage":"distill","attempt":1,"reasons":["x"]}}""", "the data of CloudEvent '1' (distill.stage.failed) has schema version 3; this Distill reads version 1")]
    public void ReadData_BadPayload_IsRejected(string json, string start)
    {
        var envelope = CloudEventEnvelope.FromJson(json);

        var error = Assert.Throws<JsonException>(() => DistillEvents.ReadData(envelope));

        Assert.StartsWith(start, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToCloudEvent_InvalidRunId_IsRejected()
    {
        Assert.Throws<ArgumentException>(() => DistillEvents.ToCloudEvent(new StageFailed { RunId = "Run 42", Stage = "distill", Attempt = 1, Reasons = ["x"] }, s_time));
    }

    [Fact]
    public void EventTypes_CoverEveryPayload()
    {
        var types = Payloads.Select(row => Payload((string)row.Data.Item1).EventType).ToList();

        Assert.Equal(DistillEventTypes.All, types);
    }
}
