using System.Globalization;
using System.Text.Json;
using Distill.Contracts.Runs;
using Distill.Contracts.Stages;
using Distill.Contracts.Storage;
using Distill.Pipeline.Storage;
using Distill.Runner.Tests.Support;

namespace Distill.Runner.Tests.Reliability;

/// <summary>A runner process killed with SIGKILL mid-stage: another runner resumes from the last blob checkpoint, bit for bit.</summary>
[Collection(TrainingGroup.Name)]
[Trait("Category", "Integration")]
public sealed class RunnerCrashTests(TinyModels models)
{
    private static readonly TimeSpan s_runTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Pipeline_RunnerKilledAfterACheckpoint_AnotherRunnerResumesToTheStudentOfAnUninterruptedRun()
    {
        await using var pipeline = await LocalPipeline.StartAsync(models);
        const int Steps = 32, CheckpointEvery = 4;
        var manifest = TestManifests.Kd(name: "crash", steps: Steps, checkpointEvery: CheckpointEvery);
        pipeline.StartRunner("runner-a");
        pipeline.StartRunner("runner-b");
        await pipeline.SubmitAsync("straight", manifest);
        await pipeline.SubmitAsync("crashed", manifest);

        // Kill the runner training the crashed run's distill stage as soon as its first checkpoint is current.
        var pointer = BlobPaths.StageCheckpointPointer("crashed", StageNames.Distill);
        var deadline = DateTime.UtcNow + s_runTimeout;
        while (!await pipeline.ExistsAsync(pointer))
        {
            Assert.True(DateTime.UtcNow < deadline, $"no checkpoint of the crashed run's distill stage within {s_runTimeout}\n{pipeline.DescribeRunners()}");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
        var trainer = (await pipeline.StateAsync("crashed"))!.Stage(StageNames.Distill).Runner;
        var victim = pipeline.Runners.Single(r => r.RunnerId == trainer);
        await victim.KillAsync();

        // Killed mid-stage: a checkpoint short of the end is current, nothing was completed or published.
        var checkpointStep = JsonDocument.Parse(await pipeline.ReadAsync(pointer)).RootElement.GetProperty("step").GetInt64();
        Assert.InRange(checkpointStep, CheckpointEvery, Steps - 1);
        var killed = (await pipeline.StateAsync("crashed"))!;
        Assert.Equal(RunStatus.Running, killed.Status);
        Assert.Equal(StageStatus.Running, killed.Stage(StageNames.Distill).Status);
        Assert.False(await pipeline.ExistsAsync(BlobPaths.Artifact("crashed", ArtifactNames.Student).Child("model.safetensors")), "the killed runner completed the stage");

        // What time would do for the dead runner: its stage lease expires (broken here rather than waited for) and its
        // message comes back (sent again here rather than after the five-minute lock).
        await pipeline.Blobs.BreakLeaseAsync(BlobPaths.StageLease("crashed", StageNames.Distill).ToAddress(), TimeSpan.Zero, TestContext.Current.CancellationToken);
        pipeline.StartRunner("runner-c");
        await pipeline.SendAgainAsync("crashed", StageNames.Distill, "crashed:distill:1:redelivered");

        var straight = await pipeline.WaitForFinishAsync("straight", s_runTimeout);
        var crashed = await pipeline.WaitForFinishAsync("crashed", s_runTimeout);
        Assert.True(straight.Status == RunStatus.Completed, pipeline.DescribeRunners());
        Assert.True(crashed.Status == RunStatus.Completed, pipeline.DescribeRunners());
        var resumer = crashed.Stage(StageNames.Distill).Runner;
        Assert.NotEqual(victim.RunnerId, resumer);
        var resumed = Assert.Single(pipeline.LogLines("run crashed stage distill", "resuming from the checkpoint of step"));
        Assert.Equal(resumer, resumed.Runner);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"resuming from the checkpoint of step {checkpointStep}"), resumed.Line, StringComparison.Ordinal);

        // The published students agree tensor by tensor.
        var expected = await pipeline.TensorsAsync(BlobPaths.PublishedModel("crash", "straight").Child("model.safetensors"));
        var actual = await pipeline.TensorsAsync(BlobPaths.PublishedModel("crash", "crashed").Child("model.safetensors"));
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        var largest = 0f;
        foreach (var (name, values) in expected)
        {
            Assert.Equal(values.Length, actual[name].Length);
            var difference = values.Zip(actual[name], (e, a) => Math.Abs(e - a)).Max();
            Assert.True(difference <= 1e-5f, $"tensor {name} differs by up to {difference} between the uninterrupted and the resumed student");
            largest = Math.Max(largest, difference);
        }
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"killed at the checkpoint of step {checkpointStep}; {expected.Count} tensors, largest difference {largest}"));
    }
}
