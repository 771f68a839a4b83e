namespace Distill.Training.Tests.Models;

/// <summary>Tests that count the process's live tensors run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveTensorCounting
{
    public const string Name = "live tensor counts";
}
