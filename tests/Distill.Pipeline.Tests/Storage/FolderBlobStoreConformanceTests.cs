using Distill.Pipeline.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Distill.Pipeline.Tests.Storage;

/// <summary>The conformance suite on <see cref="FolderBlobStore"/>: every store is another instance on the same folder, on one fake clock.</summary>
public sealed class FolderBlobStoreConformanceTests : BlobStoreConformanceTests
{
    private readonly string _root = Directory.CreateTempSubdirectory("distill-blobs-").FullName;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly List<FolderBlobStore> _stores = [];

    protected override DateTimeOffset UtcNow => _time.GetUtcNow();

    protected override IBlobStore CreateStore()
    {
        var store = new FolderBlobStore(_root, _time);
        _stores.Add(store);
        return store;
    }

    protected override Task AdvanceAsync(TimeSpan time)
    {
        _time.Advance(time);
        return Task.CompletedTask;
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }
        Directory.Delete(_root, recursive: true);
        await base.DisposeAsync();
    }
}
