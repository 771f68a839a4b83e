using System.Text.RegularExpressions;
using Distill.Contracts.Events;
using Distill.Contracts.Runs;
using Distill.Contracts.Stages;
using Distill.Contracts.Storage;
using Distill.Runner.Tests.Support;

namespace Distill.Runner.Tests.Reliability;

/// <summary>The same stage command delivered to two runner processes at once: the stage lease lets one of them train it.</summary>
[Collection(TrainingGroup.Name)]
[Trait("Category", "Integration")]
public sealed partial class DuplicateDeliveryTests(TinyModels models)
{
    private static readonly TimeSpan s_runTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Pipeline_StageCommandDeliveredTwiceToTwoRunners_TrainsTheStageOnce()
    {
        const string Run = "twice";
        const int Steps = 16;
        await using var pipeline = await LocalPipeline.StartAsync(models);
        pipeline.StartRunner("runner-a");
        pipeline.StartRunner("runner-b");
        await pipeline.SubmitAsync(Run, TestManifests.Kd(name: "twice", steps: Steps, checkpointEvery: 4));

        // As soon as the handlers queue distill, the same command goes out a second time: both runners are idle then.
        await pipeline.WaitForStateAsync(Run, s => s.Stage(StageNames.Distill).Status != StageStatus.Pending, s_runTimeout, "distill queued");
        await pipeline.SendAgainAsync(Run, StageNames.Distill, "twice:distill:1:again");

        var state = await pipeline.WaitForFinishAsync(Run, s_runTimeout);
        Assert.True(state.Status == RunStatus.Completed, pipeline.DescribeRunners());

        // Both runners received the command; one trained, the other found the lease taken and put its copy back.
        var received = pipeline.LogLines("run twice stage distill", "Received stage distill");
        Assert.Equal(2, received.Select(r => r.Runner).Distinct().Count());
        var started = Assert.Single(pipeline.LogLines("run twice stage distill", "Started on"));
        Assert.Equal(state.Stage(StageNames.Distill).Runner, started.Runner);
        var busy = Assert.Single(pipeline.LogLines("run twice stage distill", "Another runner holds the stage's lease"));
        Assert.NotEqual(started.Runner, busy.Runner);
        Assert.Single(pipeline.LogLines("run twice stage distill", "Completed in"));

        // One stage.started and one stage.completed for the attempt, a student published.
        var events = await pipeline.EventsAsync(Run);
        Assert.Single(events, e => e.Type == DistillEventTypes.StageStarted && DistillEvents.ReadData<StageStarted>(e).Stage == StageNames.Distill);
        Assert.Single(events, e => e.Type == DistillEventTypes.StageCompleted && DistillEvents.ReadData<StageCompleted>(e).Stage == StageNames.Distill);
        Assert.Single(events, e => e.Type == DistillEventTypes.PipelineCompleted);
        Assert.True(await pipeline.ExistsAsync(BlobPaths.PublishedModel("twice", Run).Child("model.safetensors")));

        // One checkpoint lineage: each saved step has one checkpoint folder, and the last one is current.
        var checkpoints = BlobPaths.StageCheckpoints(Run, StageNames.Distill);
        var folders = (await pipeline.ReadFolderAsync(checkpoints)).Keys
            .Select(name => CheckpointFolder().Match(name))
            .Where(m => m.Success)
            .Select(m => (Step: long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), Folder: m.Value))
            .Distinct()
            .ToList();
        Assert.NotEmpty(folders);
        Assert.Equal(folders.Count, folders.Select(f => f.Step).Distinct().Count());
        Assert.Equal(Steps, folders.Max(f => f.Step));
        Assert.Equal(Steps, state.Stage(StageNames.Distill).LastCheckpointStep);
    }

    [GeneratedRegex(@"^step-(\d{9})-[0-9a-f]{8}")]
    private static partial Regex CheckpointFolder();
}
