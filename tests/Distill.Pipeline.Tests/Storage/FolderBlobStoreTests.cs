using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Distill.Pipeline.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Distill.Pipeline.Tests.Storage;

/// <summary>What only the folder store has: its layout on disk, atomic writes, crash recovery and name clashes.</summary>
public sealed class FolderBlobStoreTests : IAsyncLifetime
{
    private const string Container = "ckpt";

    private readonly string _root = Directory.CreateTempSubdirectory("distill-folder-blobs-").FullName;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly List<FolderBlobStore> _stores = [];
    private readonly FolderBlobStore _store;

    public FolderBlobStoreTests()
    {
        _store = NewStore();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string StagingFolder => Path.Join(_root, ".blobstore", "staging");

    public async ValueTask InitializeAsync() => await _store.CreateContainerIfNotExistsAsync(Container, Ct);

    public ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }
        Directory.Delete(_root, recursive: true);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Put_StoresTheBytesAsAPlainFileAndTheirPropertiesInASidecar()
    {
        var written = await _store.PutAsync(Blob("runs/abc/state.json"), Text("{\"stage\":1}"), new BlobPutOptions { ContentType = "application/json" }, Ct);

        Assert.Equal("{\"stage\":1}", await File.ReadAllTextAsync(Path.Join(_root, Container, "runs", "abc", "state.json"), Ct));
        using var sidecar = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Join(_root, ".blobstore", "meta", Container, "runs", "abc", "state.json"), Ct));
        Assert.Equal(written.ETag, sidecar.RootElement.GetProperty("eTag").GetString());
        Assert.Equal("application/json", sidecar.RootElement.GetProperty("contentType").GetString());
        Assert.Equal(11, sidecar.RootElement.GetProperty("length").GetInt64());
        Assert.Empty(Directory.EnumerateFiles(StagingFolder));
    }

    [Fact]
    public async Task Put_SourceFailsHalfWay_KeepsTheOldBlobAndLeavesNoTemporaryFile()
    {
        var old = await _store.PutAsync(Blob("step-100/model.bin"), new PatternStream(1 << 20, seed: 1), null, Ct);

        var failure = await Assert.ThrowsAsync<IOException>(() =>
            _store.PutAsync(Blob("step-100/model.bin"), new FailingStream(new PatternStream(4 << 20, seed: 2), failAfter: 2 << 20), null, Ct));

        Assert.Contains("failed after", failure.Message, StringComparison.Ordinal);
        using var download = await _store.GetAsync(Blob("step-100/model.bin"), null, Ct);
        Assert.Equal(old.ETag, download.Properties.ETag);
        Assert.Equal(PatternStream.Hash(1 << 20, seed: 1), await SHA256.HashDataAsync(download.Content, Ct));
        Assert.Equal(["step-100/model.bin"], await ListNamesAsync());
        Assert.Empty(Directory.EnumerateFiles(StagingFolder));
        Assert.Equal([Path.Join(_root, Container, "step-100", "model.bin")], Directory.EnumerateFiles(Path.Join(_root, Container), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Put_NewBlobWhoseSourceFails_LeavesNothing()
    {
        await Assert.ThrowsAsync<IOException>(() =>
            _store.PutAsync(Blob("step-200/model.bin"), new FailingStream(new PatternStream(1 << 20, seed: 2), failAfter: 1000), null, Ct));

        await AssertFailsAsync(BlobStoreErrorReason.NotFound, () => _store.GetPropertiesAsync(Blob("step-200/model.bin"), Ct));
        Assert.Empty(await ListNamesAsync());
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Join(_root, Container)));
        Assert.Empty(Directory.EnumerateFiles(StagingFolder));
    }

    [Fact]
    public async Task Put_Cancelled_KeepsTheOldBlobAndLeavesNoTemporaryFile()
    {
        var old = await _store.PutAsync(Blob("state.json"), Text("old"), null, Ct);
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.PutAsync(Blob("state.json"), new PatternStream(1 << 20, seed: 4), null, cancel.Token));

        Assert.Equal(old.ETag, (await _store.GetPropertiesAsync(Blob("state.json"), Ct)).ETag);
        Assert.Empty(Directory.EnumerateFiles(StagingFolder));
    }

    [Fact]
    public async Task Get_WhileTheBlobIsReplacedAndDeleted_StreamsTheVersionItOpened()
    {
        const int Length = 3 << 20;
        var first = await _store.PutAsync(Blob("latest/model.bin"), new PatternStream(Length, seed: 1), null, Ct);
        using var download = await _store.GetAsync(Blob("latest/model.bin"), null, Ct);
        var head = new byte[1 << 20];
        await download.Content.ReadExactlyAsync(head, Ct);

        var other = NewStore();
        await other.PutAsync(Blob("latest/model.bin"), new PatternStream(2 << 20, seed: 2), null, Ct);
        using var rest = new MemoryStream();
        await download.Content.CopyToAsync(rest, Ct);
        await other.DeleteAsync(Blob("latest/model.bin"), null, Ct);

        Assert.Equal(first.ETag, download.Properties.ETag);
        Assert.Equal(PatternStream.Slice(0, 1 << 20, seed: 1), head);
        Assert.Equal(PatternStream.Slice(1 << 20, Length - (1 << 20), seed: 1), rest.ToArray());
    }

    [Fact]
    public async Task Put_StoppedBetweenCommitAndRename_TheNextAccessFinishesIt()
    {
        await _store.PutAsync(Blob("runs/r/state.json"), Text("v1"), null, Ct);
        _store.AfterCommitForTesting = _ => throw new InvalidOperationException("simulated crash");
        await Assert.ThrowsAsync<InvalidOperationException>(() => _store.PutAsync(Blob("runs/r/state.json"), Text("v2"), null, Ct));
        var contentFile = Path.Join(_root, Container, "runs", "r", "state.json");
        Assert.Equal("v1", await File.ReadAllTextAsync(contentFile, Ct));
        Assert.Single(Directory.EnumerateFiles(StagingFolder, "*.staged"));

        var other = NewStore();
        var properties = await other.GetPropertiesAsync(Blob("runs/r/state.json"), Ct);
        using var download = await other.GetAsync(Blob("runs/r/state.json"), null, Ct);

        Assert.Equal(2, properties.Length);
        Assert.Equal(properties.ETag, download.Properties.ETag);
        Assert.Equal("v2", await new StreamReader(download.Content).ReadToEndAsync(Ct));
        Assert.Equal("v2", await File.ReadAllTextAsync(contentFile, Ct));
        Assert.Empty(Directory.EnumerateFiles(StagingFolder));
    }

    [Fact]
    public async Task Put_NewBlobStoppedBetweenCommitAndRename_ExistsAndTheNextReadFinishesIt()
    {
        _store.AfterCommitForTesting = _ => throw new InvalidOperationException("simulated crash");
        await Assert.ThrowsAsync<InvalidOperationException>(() => _store.PutAsync(Blob("new/blob"), Text("first"), null, Ct));
        var contentFile = Path.Join(_root, Container, "new", "blob");
        Assert.False(File.Exists(contentFile));
        var other = NewStore();

        // The commit happened: the blob exists for a create-only write, a listing and a read.
        await AssertFailsAsync(BlobStoreErrorReason.ConditionNotMet,
            () => other.PutAsync(Blob("new/blob"), Text("second"), new BlobPutOptions { Conditions = BlobConditions.IfNotExists }, Ct));
        Assert.Equal(["new/blob"], await ListNamesAsync());
        using var download = await other.GetAsync(Blob("new/blob"), null, Ct);

        Assert.Equal("first", await new StreamReader(download.Content).ReadToEndAsync(Ct));
        Assert.Equal("first", await File.ReadAllTextAsync(contentFile, Ct));
        Assert.Empty(Directory.EnumerateFiles(StagingFolder));
    }

    [Fact]
    public async Task Put_BlobUnderAnotherBlobsName_ThrowsNameConflict()
    {
        await _store.PutAsync(Blob("step-100"), Text("pointer"), null, Ct);
        await _store.PutAsync(Blob("step-200/model.bin"), Text("model"), null, Ct);

        var underBlob = await AssertFailsAsync(BlobStoreErrorReason.NameConflict, () => _store.PutAsync(Blob("step-100/model.bin"), Text("x"), null, Ct));
        var overFolder = await AssertFailsAsync(BlobStoreErrorReason.NameConflict, () => _store.PutAsync(Blob("step-200"), Text("x"), null, Ct));

        Assert.Contains("'step-100' is a blob", underBlob.Message, StringComparison.Ordinal);
        Assert.Contains("step-200/...", overFolder.Message, StringComparison.Ordinal);
        Assert.Equal(["step-100", "step-200/model.bin"], await ListNamesAsync());
        Assert.Empty(Directory.EnumerateFiles(StagingFolder));
    }

    [Fact]
    public async Task Delete_LastBlobOfAFolder_RemovesTheEmptyFoldersSoTheNameCanBeABlob()
    {
        await _store.PutAsync(Blob("runs/r1/stages/distill/lease"), Text(""), null, Ct);
        await _store.PutAsync(Blob("runs/r2/state.json"), Text("{}"), null, Ct);

        await _store.DeleteAsync(Blob("runs/r1/stages/distill/lease"), null, Ct);

        Assert.False(Directory.Exists(Path.Join(_root, Container, "runs", "r1")));
        Assert.False(Directory.Exists(Path.Join(_root, ".blobstore", "meta", Container, "runs", "r1")));
        Assert.True(Directory.Exists(Path.Join(_root, Container, "runs", "r2")));
        await _store.PutAsync(Blob("runs/r1"), Text("now a blob"), null, Ct);
        Assert.Equal(["runs/r1", "runs/r2/state.json"], await ListNamesAsync());
    }

    [Fact]
    public async Task ConditionalCreate_ManyStoresAtOnce_ExactlyOneWins()
    {
        var stores = Enumerable.Range(0, 8).Select(_ => NewStore()).ToList();

        var results = await Task.WhenAll(stores.Select(async (store, i) =>
        {
            try
            {
                await store.PutAsync(Blob("runs/r/state.json"), Text($"writer {i}"), new BlobPutOptions { Conditions = BlobConditions.IfNotExists }, Ct);
                return i;
            }
            catch (BlobStoreException ex) when (ex.Reason == BlobStoreErrorReason.ConditionNotMet)
            {
                return -1;
            }
        }));

        var winner = Assert.Single(results, r => r >= 0);
        using var download = await _store.GetAsync(Blob("runs/r/state.json"), null, Ct);
        Assert.Equal($"writer {winner}", await new StreamReader(download.Content).ReadToEndAsync(Ct));
    }

    [Fact]
    public async Task NewStore_RemovesStagingFilesLeftForADayButNotCommittedOnes()
    {
        var stale = Path.Join(StagingFolder, "crashed.tmp");
        var fresh = Path.Join(StagingFolder, "writing.tmp");
        var committed = Path.Join(StagingFolder, "committed.staged");
        foreach (var path in new[] { stale, fresh, committed })
        {
            await File.WriteAllTextAsync(path, "x", Ct);
        }
        var now = DateTime.UtcNow;
        File.SetLastWriteTimeUtc(stale, now.AddDays(-2));
        File.SetLastWriteTimeUtc(committed, now.AddDays(-2));

        NewStore();

        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(fresh));
        Assert.True(File.Exists(committed));
    }

    [Fact]
    public async Task GetProperties_CorruptSidecar_ThrowsInvalidDataNamingTheFile()
    {
        await _store.PutAsync(Blob("state.json"), Text("{}"), null, Ct);
        var sidecar = Path.Join(_root, ".blobstore", "meta", Container, "state.json");
        await File.WriteAllTextAsync(sidecar, "{ not json", Ct);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => _store.GetPropertiesAsync(Blob("state.json"), Ct));

        Assert.Contains(sidecar, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_ContentChangedOutsideTheStore_ThrowsInvalidDataNamingTheFile()
    {
        await _store.PutAsync(Blob("state.json"), Text("{}"), null, Ct);
        var content = Path.Join(_root, Container, "state.json");
        await File.WriteAllTextAsync(content, "{\"edited\":true}", Ct);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => _store.GetAsync(Blob("state.json"), null, Ct));

        Assert.Contains(content, error.Message, StringComparison.Ordinal);
    }

    private FolderBlobStore NewStore()
    {
        var store = new FolderBlobStore(_root, _time);
        _stores.Add(store);
        return store;
    }

    private static BlobAddress Blob(string name) => new(Container, name);

    private static MemoryStream Text(string text) => new(Encoding.UTF8.GetBytes(text));

    private async Task<List<string>> ListNamesAsync() =>
        await _store.ListAsync(Container, null, Ct).Select(item => item.Name).ToListAsync(Ct);

    private static async Task<BlobStoreException> AssertFailsAsync(BlobStoreErrorReason reason, Func<Task> action)
    {
        var error = await Assert.ThrowsAsync<BlobStoreException>(action);
        Assert.Equal(reason, error.Reason);
        return error;
    }
}
