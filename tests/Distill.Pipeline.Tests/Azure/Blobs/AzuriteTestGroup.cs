namespace Distill.Pipeline.Tests.Azure.Blobs;

/// <summary>The test classes that share one Azurite (<see cref="AzuriteFixture"/>); they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteTestGroup : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
