using Distill.Contracts.Events;
using Distill.Contracts.Runs;
using Distill.Contracts.Stages;
using Distill.Pipeline;
using Distill.Runner.Tests.Support;

namespace Distill.Runner.Tests.Reliability;

/// <summary>A stage that fails transiently on every delivery is dead-lettered, and the pipeline fails its run with the cause.</summary>
[Collection(TrainingGroup.Name)]
[Trait("Category", "Integration")]
public sealed class DeadLetterTests(TinyModels models)
{
    private static readonly TimeSpan s_runTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Pipeline_StageFailingTransientlyOnEveryDelivery_IsDeadLetteredAndTheRunFails()
    {
        const string Run = "doomed";
        await using var pipeline = await LocalPipeline.StartAsync(models);
        // The fault: a file where the runner makes the stage's work folder, as a disk in trouble would refuse it.
        // An I/O error is transient to the runner, so each delivery goes back to the queue (at once, --retry-delay 0).
        var work = Path.Join(pipeline.Store.Root, "runners", "runner-f", "work", $"{Run}-{StageNames.Prepare}-1");
        Directory.CreateDirectory(Path.GetDirectoryName(work)!);
        await File.WriteAllTextAsync(work, "in the way", TestContext.Current.CancellationToken);
        pipeline.StartRunner("runner-f", "--retry-delay", "0");
        await pipeline.SubmitAsync(Run, TestManifests.Kd(name: Run));

        var state = await pipeline.WaitForFinishAsync(Run, s_runTimeout);

        Assert.Equal(RunStatus.Failed, state.Status);
        Assert.Equal(StageNames.Prepare, state.Failure?.Stage);
        Assert.Equal(StageStatus.Failed, state.Stage(StageNames.Prepare).Status);
        var reason = Assert.Single(state.Failure!.Reasons);
        // The cause is the runner's own error, recorded before each abandon (the bus cannot carry it).
        Assert.StartsWith($"stage 'prepare' (attempt 1) failed after {PipelineTopology.StageMaxDeliveryCount} deliveries: MaxDeliveryCountExceeded; " +
            $"the last error (delivery {PipelineTopology.StageMaxDeliveryCount}, runner runner-f): IOException: ", reason, StringComparison.Ordinal);
        Assert.Contains(work, reason, StringComparison.Ordinal);
        var failed = Assert.Single(await pipeline.EventsAsync(Run), e => e.Type == DistillEventTypes.PipelineFailed);
        Assert.Equal([reason], DistillEvents.ReadData<PipelineFailed>(failed).Reasons);
        Assert.Equal(StageNames.Prepare, DistillEvents.ReadData<PipelineFailed>(failed).FailedStage);
        Assert.DoesNotContain(await pipeline.EventsAsync(Run), e => e.Type == DistillEventTypes.StageStarted);

        // The runner tried once per delivery, each time for the I/O error, and never got further.
        var attempts = pipeline.LogLines($"run {Run} stage prepare", "Unexpected error on delivery");
        Assert.Equal(Enumerable.Range(1, PipelineTopology.StageMaxDeliveryCount).Select(n => $"delivery {n};"),
            attempts.Select(a => System.Text.RegularExpressions.Regex.Match(a.Line, @"delivery \d+;").Value));
        Assert.Contains(pipeline.Runners[0].Log, line => line.Contains("IOException", StringComparison.Ordinal) && line.Contains(work, StringComparison.Ordinal));
    }
}
