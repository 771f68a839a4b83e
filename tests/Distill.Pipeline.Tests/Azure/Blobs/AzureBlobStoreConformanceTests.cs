using Distill.Pipeline.Azure.Blobs;
using Distill.Pipeline.Storage;
using Distill.Pipeline.Tests.Storage;

namespace Distill.Pipeline.Tests.Azure.Blobs;

/// <summary>
/// The conformance suite on <see cref="AzureBlobStore"/> against Azurite over Shared Key. Every store is another client
/// of the same emulator; time passes for real (lease tests wait out their leases). Uploads use small blocks and lists
/// small pages, so that 10 MB goes up as eleven parallel blocks and listings page through markers.
/// </summary>
[Collection(AzuriteTestGroup.Name)]
[Trait("Category", "Integration")]
public sealed class AzureBlobStoreConformanceTests(AzuriteFixture azurite) : BlobStoreConformanceTests
{
    protected override DateTimeOffset UtcNow => DateTimeOffset.UtcNow;

    public override async ValueTask InitializeAsync()
    {
        azurite.Require();
        await base.InitializeAsync();
    }

    protected override IBlobStore CreateStore() => new AzureBlobStore(azurite.Options, new AzureBlobClientOptions
    {
        SingleUploadThreshold = 1024 * 1024,
        BlockSize = 1024 * 1024,
        MaxConcurrency = 4,
        ListPageSize = 7,
    });

    protected override Task AdvanceAsync(TimeSpan time) => Task.Delay(time, Ct);
}
