using System.Text;
using Distill.Contracts.Storage;
using Distill.Pipeline.Storage;
using Distill.Runner.Storage;

namespace Distill.Runner.Tests.Storage;

public sealed class BlobFolderCacheTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("distill-cache-").FullName;
    private readonly FolderBlobStore _blobs;
    private readonly BlobLocation _teacher = BlobPaths.UploadFile("run1", "teacher");

    public BlobFolderCacheTests()
    {
        _blobs = new FolderBlobStore(Path.Join(_root, "blobs"), TimeProvider.System);
        _blobs.CreateContainerIfNotExistsAsync(BlobPaths.UploadsContainer, CancellationToken.None).GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        _blobs.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task GetAsync_UnchangedFolder_DownloadsNothingTheSecondTime()
    {
        var ct = TestContext.Current.CancellationToken;
        await PutAsync("config.json", "{}");
        await PutAsync("model.safetensors", "weights");
        var cache = new BlobFolderCache(_blobs, Path.Join(_root, "cache"));

        var first = await cache.GetAsync(_teacher, ct);
        var second = await cache.GetAsync(_teacher, ct);

        Assert.Equal(first, second);
        Assert.Equal(Path.Join(_root, "cache", "uploads", "run1", "teacher"), first);
        Assert.Equal(2, cache.Downloads);
        Assert.Equal("weights", await File.ReadAllTextAsync(Path.Join(first, "model.safetensors"), ct));
    }

    [Fact]
    public async Task GetAsync_BlobReplacedAndBlobDeleted_RefreshesOnlyWhatChanged()
    {
        var ct = TestContext.Current.CancellationToken;
        await PutAsync("config.json", "{}");
        await PutAsync("model.safetensors", "weights");
        await PutAsync("old.txt", "gone soon");
        var cache = new BlobFolderCache(_blobs, Path.Join(_root, "cache"));
        var folder = await cache.GetAsync(_teacher, ct);
        await PutAsync("model.safetensors", "new weights");
        await _blobs.DeleteAsync(new BlobAddress(_teacher.Container, _teacher.Child("old.txt").Name), null, ct);

        await cache.GetAsync(_teacher, ct);

        Assert.Equal(4, cache.Downloads);
        Assert.Equal("new weights", await File.ReadAllTextAsync(Path.Join(folder, "model.safetensors"), ct));
        Assert.False(File.Exists(Path.Join(folder, "old.txt")));
    }

    [Fact]
    public async Task GetAsync_SingleBlob_ReturnsTheFilesCopy()
    {
        var ct = TestContext.Current.CancellationToken;
        await PutAsync("config.json", "{\"a\": 1}");
        var cache = new BlobFolderCache(_blobs, Path.Join(_root, "cache"));

        var path = await cache.GetAsync(_teacher.Child("config.json"), ct);

        Assert.Equal("{\"a\": 1}", await File.ReadAllTextAsync(path, ct));
    }

    [Fact]
    public async Task GetAsync_Nothing_ThrowsStageInputExceptionNamingTheLocation()
    {
        var cache = new BlobFolderCache(_blobs, Path.Join(_root, "cache"));

        var error = await Assert.ThrowsAsync<StageInputException>(() => cache.GetAsync(BlobPaths.UploadFile("run1", "data/train.jsonl"), TestContext.Current.CancellationToken));

        Assert.StartsWith("uploads/run1/data/train.jsonl does not exist", error.Message, StringComparison.Ordinal);
    }

    private Task<BlobWriteResult> PutAsync(string file, string content)
    {
        var location = _teacher.Child(file);
        return _blobs.PutAsync(new BlobAddress(location.Container, location.Name), new MemoryStream(Encoding.UTF8.GetBytes(content)), null, CancellationToken.None);
    }
}
