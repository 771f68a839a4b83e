using System.Text.Json;
using Distill.Contracts.Runs;
using Distill.Contracts.Stages;
using Distill.Contracts.Storage;

namespace Distill.Contracts.Tests.Runs;

public sealed class RunStateJsonTests
{
    private static readonly DateTimeOffset s_t0 = new(2026, 1, 2, 3, 0, 0, TimeSpan.Zero);

    internal static TeacherComparison Comparison() => new()
    {
        TeacherParameters = 800_000,
        StudentParameters = 200_000,
        TeacherPerplexity = 8,
        StudentPerplexity = 12,
        TopOneAgreement = 0.625,
        ForwardKl = 0.25,
        TeacherTokensPerSecond = 1000,
        StudentTokensPerSecond = 4000,
        TokensEvaluated = 4096,
    };

    internal static RunResult Result() => new()
    {
        Student = BlobPaths.PublishedModel("tiny-gpt2-student", "run42"),
        Report = BlobPaths.Report("run42"),
        Metrics = new Dictionary<string, double> { ["studentPerplexity"] = 12 },
        Comparison = Comparison(),
    };

    [Fact]
    public void TeacherComparison_WritesItsRatios()
    {
        var comparison = JsonAssert.RoundTrips(Comparison(), ContractsJsonContext.Default.TeacherComparison,
            """{"teacherParameters":800000,"studentParameters":200000,"teacherPerplexity":8,"studentPerplexity":12,"topOneAgreement":0.625,"forwardKl":0.25,"teacherTokensPerSecond":1000,"studentTokensPerSecond":4000,"tokensEvaluated":4096,"perplexityRatio":1.5,"sizeRatio":0.25,"speedup":4}""");

        Assert.Equal((1.5, 0.25, 4.0), (comparison.PerplexityRatio, comparison.SizeRatio, comparison.Speedup));
    }

    [Fact]
    public void AcceptedState_RoundTripsThroughItsPinnedForm()
    {
        var state = RunState.Accept("run42", "tiny-gpt2-kd", "ab12", [StageNames.Prepare, StageNames.Distill], s_t0);

        JsonAssert.RoundTrips(state, ContractsJsonContext.Default.RunState,
            """{"schemaVersion":1,"runId":"run42","name":"tiny-gpt2-kd","status":"accepted","createdAt":"2026-01-02T03:00:00+00:00","updatedAt":"2026-01-02T03:00:00+00:00","manifestSha256":"ab12","upload":{"container":"uploads","name":"run42"},"stages":[{"name":"prepare","status":"pending","attempt":0,"metrics":{},"artifacts":{}},{"name":"distill","status":"pending","attempt":0,"metrics":{},"artifacts":{}}]}""");
    }

    [Fact]
    public void CompletedState_RoundTripsThroughItsPinnedForm()
    {
        var state = RunState.Accept("run42", "tiny-gpt2-kd", "ab12", [StageNames.Prepare], s_t0)
            .QueueStage(StageNames.Prepare, 1, s_t0.AddSeconds(1))
            .StartStage(StageNames.Prepare, 1, "runner-a", s_t0.AddSeconds(2))
            .RecordCheckpoint(StageNames.Prepare, 1, 100, s_t0.AddSeconds(3))
            .CompleteStage(StageNames.Prepare, 1, new Dictionary<string, double> { ["blocks"] = 512 }, new Dictionary<string, string> { [ArtifactNames.Dataset] = "runs/run42/artifacts/dataset" }, s_t0.AddSeconds(4))
            .CompleteRun(Result(), s_t0.AddSeconds(5));

        JsonAssert.RoundTrips(state, ContractsJsonContext.Default.RunState,
            """{"schemaVersion":1,"runId":"run42","name":"tiny-gpt2-kd","status":"completed","createdAt":"2026-01-02T03:00:00+00:00","updatedAt":"2026-01-02T03:00:05+00:00","manifestSha256":"ab12","upload":{"container":"uploads","name":"run42"},"stages":[{"name":"prepare","status":"completed","attempt":1,"queuedAt":"2026-01-02T03:00:01+00:00","startedAt":"2026-01-02T03:00:02+00:00","completedAt":"2026-01-02T03:00:04+00:00","runner":"runner-a","lastCheckpointStep":100,"metrics":{"blocks":512},"artifacts":{"dataset":"runs/run42/artifacts/dataset"}}],"result":{"student":{"container":"models","name":"tiny-gpt2-student/run42"},"report":{"container":"runs","name":"run42/report"},"metrics":{"studentPerplexity":12},"comparison":{"teacherParameters":800000,"studentParameters":200000,"teacherPerplexity":8,"studentPerplexity":12,"topOneAgreement":0.625,"forwardKl":0.25,"teacherTokensPerSecond":1000,"studentTokensPerSecond":4000,"tokensEvaluated":4096,"perplexityRatio":1.5,"sizeRatio":0.25,"speedup":4}}}""");
    }

    [Fact]
    public void FailedState_RoundTripsThroughItsPinnedForm()
    {
        var state = RunState.Reject("run42", "run42", "ab12", ["name: is required"], s_t0);

        JsonAssert.RoundTrips(state, ContractsJsonContext.Default.RunState,
            """{"schemaVersion":1,"runId":"run42","name":"run42","status":"failed","createdAt":"2026-01-02T03:00:00+00:00","updatedAt":"2026-01-02T03:00:00+00:00","manifestSha256":"ab12","upload":{"container":"uploads","name":"run42"},"stages":[],"failure":{"reasons":["name: is required"]}}""");
    }

    [Fact]
    public void ToJson_IsIndentedAndFromJsonReadsItBack()
    {
        var state = RunState.Accept("run42", "tiny-gpt2-kd", "ab12", [StageNames.Prepare], s_t0);

        var json = state.ToJson();
        var back = RunState.FromJson(json);

        Assert.Contains("\n  \"status\": \"accepted\",\n", json, StringComparison.Ordinal);
        Assert.Equivalent(state, back, strict: true);
    }

    [Fact]
    public void FromJson_NonFiniteMetric_SurvivesTheRoundTrip()
    {
        var state = RunState.Accept("run42", "n", "ab", [StageNames.Prepare], s_t0)
            .QueueStage(StageNames.Prepare, 1, s_t0).StartStage(StageNames.Prepare, 1, "r", s_t0)
            .CompleteStage(StageNames.Prepare, 1, new Dictionary<string, double> { ["loss"] = double.NaN }, new Dictionary<string, string>(), s_t0);

        var back = RunState.FromJson(state.ToJson());

        Assert.Contains("\"loss\": \"NaN\"", state.ToJson(), StringComparison.Ordinal);
        Assert.True(double.IsNaN(back.Stage(StageNames.Prepare).Metrics["loss"]));
    }

    [Fact]
    public void ToJson_WritesReasonsAsTheyAre()
    {
        var state = RunState.Reject("run42", "run42", "ab12", ["KL(teacher ‖ student) is 0.9; the gate's ≥ 'limit'"], s_t0);

        Assert.Contains("\"KL(teacher ‖ student) is 0.9; the gate's ≥ 'limit'\"", state.ToJson(), StringComparison.Ordinal);
        Assert.Equal(state.Failure!.Reasons, RunState.FromJson(state.ToJson()).Failure!.Reasons);
    }

    [Fact]
    public void FromJson_OtherSchemaVersion_IsRejected()
    {
        var json = RunState.Accept("run42", "n", "ab", [StageNames.Prepare], s_t0).ToJson().Replace("\"schemaVersion\": 1", "\"schemaVersion\": 2", StringComparison.Ordinal);

        var error = Assert.Throws<JsonException>(() => RunState.FromJson(json));

        Assert.Equal("a run state has schema version 2; this Distill reads version 1", error.Message);
    }
}
