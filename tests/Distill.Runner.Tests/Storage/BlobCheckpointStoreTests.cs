using System.Text;
using System.Text.Json;
using Distill.Contracts.Storage;
using Distill.Pipeline.Storage;
using Distill.Runner.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Distill.Runner.Tests.Storage;

public sealed class BlobCheckpointStoreTests : IDisposable
{
    private const string Run = "run1";
    private const string Stage = "distill";
    private readonly string _root = Directory.CreateTempSubdirectory("distill-checkpoints-").FullName;
    private readonly FolderBlobStore _blobs;

    public BlobCheckpointStoreTests()
    {
        _blobs = new FolderBlobStore(Path.Join(_root, "blobs"), TimeProvider.System);
        _blobs.CreateContainerIfNotExistsAsync(BlobPaths.RunsContainer, CancellationToken.None).GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        _blobs.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task FetchLatestAsync_AfterSaves_ReturnsTheNewestCheckpointsFilesByteForByte()
    {
        var ct = TestContext.Current.CancellationToken;
        using var fence = new StageFence();
        var store = Store(fence);
        Assert.Null(await store.FetchLatestAsync(Folder("empty"), ct));
        await store.SaveAsync(Staged("a", 100, 1), 100, keep: 2, ct);
        var newest = await store.SaveAsync(Staged("b", 200, 2), 200, keep: 2, ct);

        var target = Folder("fetched");
        var fetched = await Store(fence).FetchLatestAsync(target, ct);

        Assert.Equal(newest, fetched);
        Assert.Equal(200, fetched!.Step);
        Assert.StartsWith("step-000000200-", fetched.Name, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(Path.Join(_root, "b", "weights.safetensors")), File.ReadAllBytes(Path.Join(target, "weights.safetensors")));
        Assert.Equal("optimizer 200", File.ReadAllText(Path.Join(target, "optimizer.safetensors")));
        using var pointer = JsonDocument.Parse(await ReadAsync(BlobPaths.StageCheckpointPointer(Run, Stage)));
        Assert.Equal(200, pointer.RootElement.GetProperty("step").GetInt64());
        Assert.Equal(fetched.Name, pointer.RootElement.GetProperty("folder").GetString());
        Assert.Equal(2, pointer.RootElement.GetProperty("kept").GetArrayLength());
    }

    [Fact]
    public async Task SaveAsync_MoreThanKept_DeletesTheOlderCheckpointsBlobs()
    {
        var ct = TestContext.Current.CancellationToken;
        using var fence = new StageFence();
        var store = Store(fence);
        await store.FetchLatestAsync(Folder("none"), ct);
        var names = new List<string>();
        for (var step = 1; step <= 4; step++)
        {
            names.Add((await store.SaveAsync(Staged("s" + step, step, step), step, keep: 2, ct)).Name);
        }

        var folders = await CheckpointFoldersAsync();

        Assert.Equal(names[2..].Order(StringComparer.Ordinal), folders);
    }

    [Fact]
    public async Task SaveAsync_Fenced_RefusesAndLeavesThePointerAlone()
    {
        var ct = TestContext.Current.CancellationToken;
        using var fence = new StageFence();
        var store = Store(fence);
        await store.FetchLatestAsync(Folder("none"), ct);
        await store.SaveAsync(Staged("a", 1, 1), 1, keep: 2, ct);
        var before = await ReadAsync(BlobPaths.StageCheckpointPointer(Run, Stage));
        fence.Trip("the lease was lost");

        var error = await Assert.ThrowsAsync<StageFencedException>(() => store.SaveAsync(Staged("b", 2, 2), 2, keep: 2, ct));

        Assert.Contains("the lease was lost", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await ReadAsync(BlobPaths.StageCheckpointPointer(Run, Stage)));
        Assert.Single(await CheckpointFoldersAsync());
    }

    [Fact]
    public async Task SaveAsync_ConfirmationFindsTheLeaseGone_RefusesThePointerWrite()
    {
        var ct = TestContext.Current.CancellationToken;
        using var fence = new StageFence();
        await Store(fence).SaveAsync(Staged("a", 1, 1), 1, keep: 2, ct);
        var before = await ReadAsync(BlobPaths.StageCheckpointPointer(Run, Stage));
        StageFence? losing = null;
        // The store asks whether the stage is still held just before the pointer write: the answer is no.
        losing = new StageFence(_ =>
        {
            losing!.Trip("the lease on the stage was taken");
            return Task.CompletedTask;
        });
        using (losing)
        {
            var store = Store(losing);
            await store.FetchLatestAsync(Folder("fetched"), ct);

            var error = await Assert.ThrowsAsync<StageFencedException>(() => store.SaveAsync(Staged("b", 2, 2), 2, keep: 2, ct));

            Assert.Contains("the lease on the stage was taken", error.Message, StringComparison.Ordinal);
        }
        Assert.Equal(before, await ReadAsync(BlobPaths.StageCheckpointPointer(Run, Stage)));
    }

    [Fact]
    public async Task SaveAsync_PointerMovedByAnotherWriter_TripsTheFenceAndKeepsTheirPointer()
    {
        var ct = TestContext.Current.CancellationToken;
        using var ours = new StageFence();
        using var theirs = new StageFence();
        var store = Store(ours);
        await store.FetchLatestAsync(Folder("none"), ct);
        await store.SaveAsync(Staged("a", 1, 1), 1, keep: 2, ct);
        var other = Store(theirs);
        await other.FetchLatestAsync(Folder("other"), ct);
        await other.SaveAsync(Staged("b", 5, 5), 5, keep: 2, ct);
        var theirPointer = await ReadAsync(BlobPaths.StageCheckpointPointer(Run, Stage));

        await Assert.ThrowsAsync<StageFencedException>(() => store.SaveAsync(Staged("c", 2, 2), 2, keep: 2, ct));

        Assert.True(ours.IsTripped);
        Assert.Contains("changed by another writer", ours.Reason, StringComparison.Ordinal);
        Assert.Equal(theirPointer, await ReadAsync(BlobPaths.StageCheckpointPointer(Run, Stage)));
    }

    private BlobCheckpointStore Store(StageFence fence) =>
        new(_blobs, Run, Stage, Path.Join(_root, "work", Guid.NewGuid().ToString("N")), fence, NullLogger.Instance);

    /// <summary>A staged checkpoint folder: weights of <paramref name="seed"/>-dependent bytes and a small optimizer file.</summary>
    private string Staged(string name, long step, int seed)
    {
        var folder = Folder(name);
        var weights = new byte[4096];
        new Random(seed).NextBytes(weights);
        File.WriteAllBytes(Path.Join(folder, "weights.safetensors"), weights);
        File.WriteAllText(Path.Join(folder, "optimizer.safetensors"), $"optimizer {step}");
        return folder;
    }

    private string Folder(string name)
    {
        var folder = Path.Join(_root, name);
        Directory.CreateDirectory(folder);
        return folder;
    }

    private async Task<string> ReadAsync(BlobLocation location)
    {
        var download = await _blobs.GetAsync(new BlobAddress(location.Container, location.Name), null, CancellationToken.None);
        await using (download)
        {
            using var reader = new StreamReader(download.Content, Encoding.UTF8);
            return await reader.ReadToEndAsync();
        }
    }

    private async Task<List<string>> CheckpointFoldersAsync()
    {
        var checkpoints = BlobPaths.StageCheckpoints(Run, Stage);
        var folders = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var item in _blobs.ListAsync(checkpoints.Container, checkpoints.Prefix, CancellationToken.None))
        {
            var relative = item.Name[checkpoints.Prefix.Length..];
            if (relative.Contains('/', StringComparison.Ordinal))
            {
                folders.Add(relative[..relative.IndexOf('/', StringComparison.Ordinal)]);
            }
        }
        return [.. folders];
    }
}
