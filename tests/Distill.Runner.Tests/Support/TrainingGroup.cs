namespace Distill.Runner.Tests.Support;

/// <summary>
/// Tests that train run one at a time: the trainer seeds process-wide generators, and two trainings side by side on
/// two cores would only slow each other down.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TrainingGroup
{
    public const string Name = "training";
}
