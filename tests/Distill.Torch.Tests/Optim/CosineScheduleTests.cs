using Distill.Torch.Optim;

namespace Distill.Torch.Tests.Optim;

public sealed class CosineScheduleTests
{
    private static readonly CosineSchedule s_schedule = new(MaxLearningRate: 6e-4, MinLearningRate: 6e-5, WarmupSteps: 10, DecaySteps: 110);

    [Theory]
    [InlineData(0, 6e-4 * 1 / 11)]
    [InlineData(4, 6e-4 * 5 / 11)]
    [InlineData(9, 6e-4 * 10 / 11)]
    public void At_Warmup_RisesLinearly(long step, double expected) => Assert.Equal(expected, s_schedule.At(step), 15);

    [Fact]
    public void At_EndOfWarmup_IsTheMaximum() => Assert.Equal(6e-4, s_schedule.At(10), 15);

    [Fact]
    public void At_HalfwayThroughTheDecay_IsTheMidpoint() => Assert.Equal((6e-4 + 6e-5) / 2, s_schedule.At(60), 15);

    [Fact]
    public void At_QuarterOfTheDecay_FollowsTheCosine() =>
        Assert.Equal(6e-5 + 0.5 * (1 + Math.Cos(Math.PI / 4)) * (6e-4 - 6e-5), s_schedule.At(35), 15);

    [Theory]
    [InlineData(110)]
    [InlineData(111)]
    [InlineData(100_000)]
    public void At_EndAndBeyond_IsTheFloor(long step) => Assert.Equal(6e-5, s_schedule.At(step), 15);

    [Fact]
    public void At_IsMonotoneAfterWarmup()
    {
        for (var step = 10; step < 120; step++)
        {
            Assert.True(s_schedule.At(step + 1) <= s_schedule.At(step), $"step {step}");
        }
    }
}
