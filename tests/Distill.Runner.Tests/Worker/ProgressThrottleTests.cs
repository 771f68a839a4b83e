using Distill.Training.Trainers;
using Microsoft.Extensions.Time.Testing;

namespace Distill.Runner.Tests.Worker;

public sealed class ProgressThrottleTests
{
    [Fact]
    public void ShouldPublish_ReportEverySecond_PublishesAtMostEveryIntervalBesidesCheckpoints()
    {
        var time = new FakeTimeProvider();
        var throttle = new ProgressThrottle(time, TimeSpan.FromSeconds(10));
        var published = new List<(long Step, TimeSpan At, bool Checkpoint)>();
        var start = time.GetUtcNow();

        for (var step = 1; step <= 60; step++)
        {
            var checkpoint = step % 25 == 0;
            if (throttle.ShouldPublish(Progress(step, 60, checkpoint)))
            {
                published.Add((step, time.GetUtcNow() - start, checkpoint));
            }
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal([1, 11, 21, 25, 35, 45, 50, 60], published.Select(p => p.Step));
        foreach (var (previous, next) in published.Zip(published.Skip(1)))
        {
            Assert.True(next.Checkpoint || next.Step == 60 || next.At - previous.At >= TimeSpan.FromSeconds(10),
                $"step {next.Step} was published {next.At - previous.At} after step {previous.Step}");
        }
    }

    [Fact]
    public void ShouldPublish_ManyReportsWithinTheInterval_PublishesOnlyTheFirst()
    {
        var time = new FakeTimeProvider();
        var throttle = new ProgressThrottle(time, TimeSpan.FromSeconds(10));

        var published = Enumerable.Range(1, 100).Count(step =>
        {
            time.Advance(TimeSpan.FromMilliseconds(50));
            return throttle.ShouldPublish(Progress(step, 1000, checkpoint: false));
        });

        Assert.Equal(1, published);
    }

    private static TrainingProgress Progress(long step, long total, bool checkpoint) => new()
    {
        Step = step,
        TotalSteps = total,
        Loss = 1,
        LearningRate = 1e-3,
        GradNorm = 1,
        TokensPerSecond = 100,
        Elapsed = TimeSpan.Zero,
        Eta = TimeSpan.Zero,
        Checkpoint = checkpoint ? new CheckpointInfo(step, $"step-{step:D9}-00000000") : null,
    };
}
