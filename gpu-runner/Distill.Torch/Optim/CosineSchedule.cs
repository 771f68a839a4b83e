namespace Distill.Torch.Optim;

/// <summary>
/// Linear warmup then cosine decay to a floor (nanoGPT's get_lr): warmup lr·(s+1)/(w+1) for s &lt; w, then
/// min + ½(1 + cos(π·r))(max − min) with r the fraction of the decay done, then the floor.
/// </summary>
public sealed record CosineSchedule(double MaxLearningRate, double MinLearningRate, long WarmupSteps, long DecaySteps)
{
    /// <summary>The learning rate for 0-based step <paramref name="step"/>.</summary>
    public double At(long step)
    {
        if (step < WarmupSteps)
        {
            return MaxLearningRate * (step + 1) / (WarmupSteps + 1);
        }
        if (step >= DecaySteps)
        {
            return MinLearningRate;
        }
        var ratio = (double)(step - WarmupSteps) / Math.Max(1, DecaySteps - WarmupSteps);
        return MinLearningRate + 0.5 * (1 + Math.Cos(Math.PI * ratio)) * (MaxLearningRate - MinLearningRate);
    }
}
