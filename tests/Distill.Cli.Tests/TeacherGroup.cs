namespace Distill.Cli.Tests;

/// <summary>The test classes that share the tiny teacher (they run one after another, which also spares the two cores).</summary>
[CollectionDefinition(Name)]
public sealed class TeacherGroup : ICollectionFixture<TrainedTeacherFixture>
{
    public const string Name = "teacher";
}
