using System.Security.Cryptography;
using System.Text;
using Distill.Pipeline.Storage;

namespace Distill.Pipeline.Tests.Storage;

/// <summary>
/// The behaviour every <see cref="IBlobStore"/> must have, with Azure Blob Storage's semantics. A subclass per
/// implementation supplies the store and a way to let time pass: a fake clock for the folder store, real waits for
/// Azurite (lease tests then take as long as the leases, 15 s and more). Each test works in a fresh container.
/// </summary>
public abstract class BlobStoreConformanceTests : IAsyncLifetime
{
    private static readonly TimeSpan s_shortLease = TimeSpan.FromSeconds(15);

    private IBlobStore? _store;

    /// <summary>A fresh container for this test.</summary>
    protected string Container { get; } = "conformance-" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>The store under test (the first one <see cref="CreateStore"/> made).</summary>
    protected IBlobStore Store => _store ??= CreateStore();

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// A client of the store under test; every call returns another one over the same storage, standing for another
    /// caller (another process, another machine).
    /// </summary>
    protected abstract IBlobStore CreateStore();

    /// <summary>Lets <paramref name="time"/> pass for the store (lease expiry).</summary>
    protected abstract Task AdvanceAsync(TimeSpan time);

    /// <summary>The store's notion of now, to check last-modified times.</summary>
    protected abstract DateTimeOffset UtcNow { get; }

    public virtual async ValueTask InitializeAsync() =>
        Assert.True(await Store.CreateContainerIfNotExistsAsync(Container, Ct));

    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    // ---- containers

    [Fact]
    public async Task CreateContainerIfNotExists_SecondCall_ReturnsFalse()
    {
        Assert.False(await Store.CreateContainerIfNotExistsAsync(Container, Ct));
        Assert.False(await CreateStore().CreateContainerIfNotExistsAsync(Container, Ct));
    }

    [Fact]
    public async Task Operations_OnMissingContainer_ThrowContainerNotFound()
    {
        var blob = new BlobAddress("missing-" + Guid.NewGuid().ToString("N")[..16], "a.txt");

        await AssertFailsAsync(BlobStoreErrorReason.ContainerNotFound, () => Store.PutAsync(blob, Text("x"), null, Ct));
        await AssertFailsAsync(BlobStoreErrorReason.ContainerNotFound, () => Store.GetAsync(blob, null, Ct));
        await AssertFailsAsync(BlobStoreErrorReason.ContainerNotFound, () => Store.ListAsync(blob.Container, null, Ct).ToListAsync(Ct).AsTask());
    }

    // ---- put and get

    [Fact]
    public async Task Put_ThenGet_ReturnsContentAndProperties()
    {
        var written = await PutTextAsync("runs/abc/state.json", "{\"stage\":\"distill\"}", new BlobPutOptions
        {
            ContentType = "application/json",
            Metadata = new Dictionary<string, string> { ["runid"] = "abc", ["schema"] = "1" },
        });

        using var download = await Store.GetAsync(Blob("runs/abc/state.json"), null, Ct);

        Assert.Equal("{\"stage\":\"distill\"}", await ReadAllTextAsync(download.Content));
        Assert.Equal(19, download.ContentLength);
        Assert.Equal(19, download.Properties.Length);
        Assert.Equal(written.ETag, download.Properties.ETag);
        Assert.Equal("application/json", download.Properties.ContentType);
        Assert.Equal("abc", download.Properties.Metadata["runid"]);
        Assert.Equal("1", download.Properties.Metadata["SCHEMA"]);
    }

    [Fact]
    public async Task Put_EmptyContent_GetReturnsNoBytes()
    {
        await Store.PutAsync(Blob("empty"), Stream.Null, null, Ct);

        using var download = await Store.GetAsync(Blob("empty"), null, Ct);

        Assert.Equal(0, download.ContentLength);
        Assert.Equal(0, download.Properties.Length);
        Assert.Equal(-1, download.Content.ReadByte());
    }

    [Fact]
    public async Task Put_TenMegabytesFromForwardOnlyStream_GetStreamsTheSameBytes()
    {
        const long Length = 10L * 1024 * 1024 + 123;
        await Store.PutAsync(Blob("big/model.safetensors"), new PatternStream(Length, seed: 7), null, Ct);

        using var download = await Store.GetAsync(Blob("big/model.safetensors"), null, Ct);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[256 * 1024];
        long total = 0;
        int read;
        while ((read = await download.Content.ReadAsync(buffer, Ct)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            total += read;
        }

        Assert.Equal(Length, total);
        Assert.Equal(Length, download.Properties.Length);
        Assert.Equal(PatternStream.Hash(Length, seed: 7), hash.GetHashAndReset());
    }

    [Fact]
    public async Task Get_MissingBlob_ThrowsNotFound()
    {
        var error = await AssertFailsAsync(BlobStoreErrorReason.NotFound, () => Store.GetAsync(Blob("nope/missing.bin"), null, Ct));

        Assert.Equal(Container, error.Container);
        Assert.Equal("nope/missing.bin", error.BlobName);
        Assert.Contains("nope/missing.bin", error.Message, StringComparison.Ordinal);
        Assert.Contains(Container, error.Message, StringComparison.Ordinal);
        await AssertFailsAsync(BlobStoreErrorReason.NotFound, () => Store.GetPropertiesAsync(Blob("nope/missing.bin"), Ct));
    }

    [Theory]
    [InlineData(0, 100L, 100)]      // start
    [InlineData(400, 200L, 200)]    // middle
    [InlineData(900, 100L, 100)]    // end
    [InlineData(950, 500L, 50)]     // runs past the end: cut at the end
    [InlineData(0, null, 1000)]     // whole
    [InlineData(999, null, 1)]      // last byte to the end
    public async Task Get_Range_ReturnsThoseBytes(long offset, long? length, int expected)
    {
        await Store.PutAsync(Blob("ranged.bin"), new PatternStream(1000, seed: 3), null, Ct);

        using var download = await Store.GetAsync(Blob("ranged.bin"), new BlobRange(offset, length), Ct);
        var bytes = await ReadAllBytesAsync(download.Content);

        Assert.Equal(expected, download.ContentLength);
        Assert.Equal(1000, download.Properties.Length);
        Assert.Equal(PatternStream.Slice(offset, expected, seed: 3), bytes);
    }

    [Theory]
    [InlineData(1001)]
    [InlineData(5000)]
    public async Task Get_RangeStartingBeyondTheEnd_ThrowsInvalidRange(long offset)
    {
        await Store.PutAsync(Blob("ranged.bin"), new PatternStream(1000, seed: 3), null, Ct);

        await AssertFailsAsync(BlobStoreErrorReason.InvalidRange, () => Store.GetAsync(Blob("ranged.bin"), new BlobRange(offset, 10), Ct));
    }

    [Fact]
    public void BlobRange_NonPositiveLengthOrNegativeOffset_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BlobRange(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BlobRange(-1, 10));
    }

    // ---- properties

    [Fact]
    public async Task GetProperties_DefaultsWithoutOptions()
    {
        var before = UtcNow;
        var written = await PutTextAsync("plain.bin", "12345");

        var properties = await Store.GetPropertiesAsync(Blob("plain.bin"), Ct);

        Assert.Equal(5, properties.Length);
        Assert.Equal(written.ETag, properties.ETag);
        Assert.Equal(written.LastModified, properties.LastModified);
        Assert.Equal(BlobPutOptions.DefaultContentType, properties.ContentType);
        Assert.Empty(properties.Metadata);
        Assert.Equal(BlobLeaseState.Available, properties.LeaseState);
        Assert.InRange(properties.LastModified, before.AddSeconds(-2), UtcNow.AddSeconds(2));
    }

    [Fact]
    public async Task Put_Overwrite_ReplacesContentMetadataAndETag()
    {
        var first = await PutTextAsync("state.json", "one", new BlobPutOptions
        {
            ContentType = "text/plain",
            Metadata = new Dictionary<string, string> { ["old"] = "1" },
        });
        var second = await PutTextAsync("state.json", "second", new BlobPutOptions
        {
            ContentType = "application/json",
            Metadata = new Dictionary<string, string> { ["new"] = "2" },
        });

        var properties = await Store.GetPropertiesAsync(Blob("state.json"), Ct);

        Assert.NotEqual(first.ETag, second.ETag);
        Assert.Equal(second.ETag, properties.ETag);
        Assert.Equal("second", await ReadTextAsync("state.json"));
        Assert.Equal(6, properties.Length);
        Assert.Equal("application/json", properties.ContentType);
        Assert.Equal(["new"], properties.Metadata.Keys);
        Assert.True(second.LastModified >= first.LastModified);
    }

    [Fact]
    public async Task Put_SameContentTwice_ChangesETag()
    {
        var first = await PutTextAsync("same.txt", "same");
        var second = await PutTextAsync("same.txt", "same");

        Assert.NotEqual(first.ETag, second.ETag);
    }

    [Fact]
    public async Task Put_InvalidMetadataOrContentType_ThrowsArgumentException()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => PutTextAsync("m", "x", new BlobPutOptions { Metadata = new Dictionary<string, string> { ["1abc"] = "v" } }));
        await Assert.ThrowsAsync<ArgumentException>(() => PutTextAsync("m", "x", new BlobPutOptions { Metadata = new Dictionary<string, string> { ["a-b"] = "v" } }));
        await Assert.ThrowsAsync<ArgumentException>(() => PutTextAsync("m", "x", new BlobPutOptions { Metadata = new Dictionary<string, string> { ["a"] = "line\nbreak" } }));
        await Assert.ThrowsAsync<ArgumentException>(() => PutTextAsync("m", "x", new BlobPutOptions { Metadata = new Dictionary<string, string> { ["a"] = "é" } }));
        await Assert.ThrowsAsync<ArgumentException>(() => PutTextAsync("m", "x", new BlobPutOptions { ContentType = "text/\u00e9" }));
        await AssertFailsAsync(BlobStoreErrorReason.NotFound, () => Store.GetPropertiesAsync(Blob("m"), Ct));
    }

    // ---- listing

    private static readonly string[] s_listedNames =
        ["run10/y", "logs/a", "lower", "run1/x", "Upper", "logs/c/d", "run1.txt", "logs-b", "run1-z/w"];

    [Fact]
    public async Task List_WholeContainer_ReturnsEveryBlobInOrdinalOrder()
    {
        await PutNamesAsync(s_listedNames);

        var names = await ListNamesAsync(null);

        // Ordinal, as Azure lists: '-' < '.' < '/' < '0', capitals first; not a folder-by-folder walk.
        Assert.Equal(["Upper", "logs-b", "logs/a", "logs/c/d", "lower", "run1-z/w", "run1.txt", "run1/x", "run10/y"], names);
    }

    [Theory]
    [InlineData("run1", new[] { "run1-z/w", "run1.txt", "run1/x", "run10/y" })]
    [InlineData("run1/", new[] { "run1/x" })]
    [InlineData("logs/", new[] { "logs/a", "logs/c/d" })]
    [InlineData("logs/c", new[] { "logs/c/d" })]
    [InlineData("logs/c/d", new[] { "logs/c/d" })]
    [InlineData("lo", new[] { "logs-b", "logs/a", "logs/c/d", "lower" })]
    [InlineData("upper", new string[0])]
    [InlineData("nothing/here", new string[0])]
    public async Task List_Prefix_ReturnsNamesStartingWithIt(string prefix, string[] expected)
    {
        await PutNamesAsync(s_listedNames);

        Assert.Equal(expected, await ListNamesAsync(prefix));
    }

    [Fact]
    public async Task List_EmptyContainer_ReturnsNothing()
    {
        Assert.Empty(await ListNamesAsync(null));
        Assert.Empty(await ListNamesAsync("a/"));
    }

    [Fact]
    public async Task List_Items_CarryTheirProperties()
    {
        var written = await PutTextAsync("props/a.json", "{}", new BlobPutOptions { ContentType = "application/json" });

        var item = Assert.Single(await Store.ListAsync(Container, "props/", Ct).ToListAsync(Ct));

        Assert.Equal("props/a.json", item.Name);
        Assert.Equal(written.ETag, item.Properties.ETag);
        Assert.Equal(2, item.Properties.Length);
        Assert.Equal("application/json", item.Properties.ContentType);
        Assert.Equal(written.LastModified, item.Properties.LastModified);
    }

    [Fact]
    public async Task List_ManyBlobs_ReturnsAllInOrder()
    {
        var names = Enumerable.Range(0, 150).Select(i => $"many/{i * 7919 % 150:d4}").ToArray();
        foreach (var chunk in names.Chunk(10))
        {
            await Task.WhenAll(chunk.Select(name => PutTextAsync(name, name)));
        }
        await PutTextAsync("manyother", "not listed under many/");

        var listed = await ListNamesAsync("many/");

        Assert.Equal(names.Order(StringComparer.Ordinal), listed);
    }

    // ---- delete

    [Fact]
    public async Task Delete_ExistingBlob_RemovesItFromGetAndList()
    {
        await PutNamesAsync(["keep/a", "gone/b/c"]);

        await Store.DeleteAsync(Blob("gone/b/c"), null, Ct);

        await AssertFailsAsync(BlobStoreErrorReason.NotFound, () => Store.GetAsync(Blob("gone/b/c"), null, Ct));
        Assert.Equal(["keep/a"], await ListNamesAsync(null));
    }

    [Fact]
    public async Task Delete_MissingBlob_ThrowsNotFound()
    {
        await AssertFailsAsync(BlobStoreErrorReason.NotFound, () => Store.DeleteAsync(Blob("never"), null, Ct));
    }

    [Fact]
    public async Task Delete_IfMatch_DeletesOnlyAtThatETag()
    {
        var first = await PutTextAsync("cond", "1");
        var second = await PutTextAsync("cond", "2");

        await AssertFailsAsync(BlobStoreErrorReason.ConditionNotMet, () => Store.DeleteAsync(Blob("cond"), BlobConditions.IfMatchETag(first.ETag), Ct));
        Assert.Equal("2", await ReadTextAsync("cond"));

        await Store.DeleteAsync(Blob("cond"), BlobConditions.IfMatchETag(second.ETag), Ct);
        await AssertFailsAsync(BlobStoreErrorReason.NotFound, () => Store.GetPropertiesAsync(Blob("cond"), Ct));
    }

    [Fact]
    public async Task Delete_ThenPutSameName_CreatesItAgain()
    {
        await PutTextAsync("again/x", "1");
        await Store.DeleteAsync(Blob("again/x"), null, Ct);

        await PutTextAsync("again/x", "2", new BlobPutOptions { Conditions = BlobConditions.IfNotExists });

        Assert.Equal("2", await ReadTextAsync("again/x"));
    }

    // ---- conditional writes

    [Fact]
    public async Task Put_IfNotExists_WhenAbsent_Creates()
    {
        await PutTextAsync("runs/r1/state.json", "created", new BlobPutOptions { Conditions = BlobConditions.IfNotExists });

        Assert.Equal("created", await ReadTextAsync("runs/r1/state.json"));
    }

    [Fact]
    public async Task Put_IfNotExists_WhenPresent_ThrowsConditionNotMetAndKeepsContent()
    {
        var first = await PutTextAsync("runs/r1/state.json", "first");

        await AssertFailsAsync(BlobStoreErrorReason.ConditionNotMet,
            () => PutTextAsync("runs/r1/state.json", "second", new BlobPutOptions { Conditions = BlobConditions.IfNotExists }));

        Assert.Equal("first", await ReadTextAsync("runs/r1/state.json"));
        Assert.Equal(first.ETag, (await Store.GetPropertiesAsync(Blob("runs/r1/state.json"), Ct)).ETag);
    }

    [Fact]
    public async Task Put_IfMatchCurrentETag_Replaces()
    {
        var first = await PutTextAsync("state.json", "v1");

        var second = await PutTextAsync("state.json", "v2", new BlobPutOptions { Conditions = BlobConditions.IfMatchETag(first.ETag) });

        Assert.Equal("v2", await ReadTextAsync("state.json"));
        Assert.NotEqual(first.ETag, second.ETag);
    }

    [Fact]
    public async Task Put_IfMatchStaleETag_ThrowsConditionNotMetAndKeepsContent()
    {
        var first = await PutTextAsync("state.json", "v1");
        await PutTextAsync("state.json", "v2");

        await AssertFailsAsync(BlobStoreErrorReason.ConditionNotMet,
            () => PutTextAsync("state.json", "v3", new BlobPutOptions { Conditions = BlobConditions.IfMatchETag(first.ETag) }));

        Assert.Equal("v2", await ReadTextAsync("state.json"));
    }

    [Fact]
    public async Task Put_IfMatchOnMissingBlob_ThrowsConditionNotMet()
    {
        await AssertFailsAsync(BlobStoreErrorReason.ConditionNotMet,
            () => PutTextAsync("absent.json", "x", new BlobPutOptions { Conditions = BlobConditions.IfMatchETag("\"0x8D0000000000000\"") }));

        await AssertFailsAsync(BlobStoreErrorReason.NotFound, () => Store.GetPropertiesAsync(Blob("absent.json"), Ct));
    }

    [Fact]
    public async Task Put_TwoReadModifyWritesFromTheSameVersion_OnlyTheFirstLands()
    {
        var original = await PutTextAsync("runs/r2/state.json", "accepted");
        using (var read = await Store.GetAsync(Blob("runs/r2/state.json"), null, Ct))
        {
            Assert.Equal(original.ETag, read.Properties.ETag);
        }
        var other = CreateStore();

        await PutTextAsync("runs/r2/state.json", "prepare", new BlobPutOptions { Conditions = BlobConditions.IfMatchETag(original.ETag) });
        var late = await Assert.ThrowsAsync<BlobStoreException>(() => other.PutAsync(Blob("runs/r2/state.json"), Text("prepare-duplicate"),
            new BlobPutOptions { Conditions = BlobConditions.IfMatchETag(original.ETag) }, Ct));

        Assert.Equal(BlobStoreErrorReason.ConditionNotMet, late.Reason);
        Assert.Equal("prepare", await ReadTextAsync("runs/r2/state.json"));
    }

    // ---- leases

    [Fact]
    public async Task AcquireLease_ExistingBlob_LeasesItWithoutChangingETag()
    {
        var written = await PutTextAsync("runs/r/stages/distill/lease", "");

        var leaseId = await Store.AcquireLeaseAsync(Blob("runs/r/stages/distill/lease"), s_shortLease, null, Ct);

        Assert.True(Guid.TryParse(leaseId, out _));
        var properties = await Store.GetPropertiesAsync(Blob("runs/r/stages/distill/lease"), Ct);
        Assert.Equal(BlobLeaseState.Leased, properties.LeaseState);
        Assert.Equal(written.ETag, properties.ETag);
        Assert.Equal(written.LastModified, properties.LastModified);
    }

    [Fact]
    public async Task AcquireLease_ProposedId_IsTheLeaseId()
    {
        await PutTextAsync("leased", "x");
        var proposed = Guid.NewGuid().ToString();

        Assert.Equal(proposed, await Store.AcquireLeaseAsync(Blob("leased"), s_shortLease, proposed, Ct));
    }

    [Fact]
    public async Task AcquireLease_MissingBlob_ThrowsNotFound()
    {
        await AssertFailsAsync(BlobStoreErrorReason.NotFound, () => Store.AcquireLeaseAsync(Blob("no-such-lease"), s_shortLease, null, Ct));
    }

    [Fact]
    public async Task AcquireLease_WhileLeasedByAnother_ThrowsLeaseConflict()
    {
        await PutTextAsync("leased", "x");
        await Store.AcquireLeaseAsync(Blob("leased"), BlobLeases.InfiniteDuration, null, Ct);
        var other = CreateStore();

        await AssertFailsAsync(BlobStoreErrorReason.LeaseConflict, () => other.AcquireLeaseAsync(Blob("leased"), s_shortLease, null, Ct));
        await AssertFailsAsync(BlobStoreErrorReason.LeaseConflict, () => other.AcquireLeaseAsync(Blob("leased"), s_shortLease, Guid.NewGuid().ToString(), Ct));
    }

    [Fact]
    public async Task AcquireLease_AgainWithItsOwnId_Succeeds()
    {
        await PutTextAsync("leased", "x");
        var leaseId = await Store.AcquireLeaseAsync(Blob("leased"), s_shortLease, null, Ct);

        Assert.Equal(leaseId, await Store.AcquireLeaseAsync(Blob("leased"), BlobLeases.InfiniteDuration, leaseId, Ct));

        await AdvanceAsync(TimeSpan.FromSeconds(16));
        Assert.Equal(BlobLeaseState.Leased, (await Store.GetPropertiesAsync(Blob("leased"), Ct)).LeaseState);
    }

    [Theory]
    [InlineData(14.0)]
    [InlineData(61.0)]
    [InlineData(0.0)]
    [InlineData(20.5)]
    public async Task AcquireLease_DurationOutsideAzureLimits_ThrowsArgumentOutOfRange(double seconds)
    {
        await PutTextAsync("leased", "x");

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.AcquireLeaseAsync(Blob("leased"), TimeSpan.FromSeconds(seconds), null, Ct));
    }

    [Fact]
    public async Task LeaseIds_ThatAreNotGuids_ThrowArgumentException()
    {
        await PutTextAsync("leased", "x");

        await Assert.ThrowsAsync<ArgumentException>(() => Store.AcquireLeaseAsync(Blob("leased"), s_shortLease, "my-lease", Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.RenewLeaseAsync(Blob("leased"), "my-lease", Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => PutTextAsync("leased", "y", new BlobPutOptions { Conditions = new BlobConditions { LeaseId = "my-lease" } }));
    }

    [Fact]
    public async Task Put_LeasedBlobWithoutLeaseId_ThrowsLeaseConflict()
    {
        await PutTextAsync("leased", "original");
        await Store.AcquireLeaseAsync(Blob("leased"), s_shortLease, null, Ct);

        await AssertFailsAsync(BlobStoreErrorReason.LeaseConflict, () => PutTextAsync("leased", "intruder"));

        Assert.Equal("original", await ReadTextAsync("leased"));
    }

    [Fact]
    public async Task Put_LeasedBlobWithAnotherLeaseId_ThrowsLeaseConflict()
    {
        await PutTextAsync("leased", "original");
        await Store.AcquireLeaseAsync(Blob("leased"), s_shortLease, null, Ct);

        await AssertFailsAsync(BlobStoreErrorReason.LeaseConflict,
            () => PutTextAsync("leased", "intruder", new BlobPutOptions { Conditions = new BlobConditions { LeaseId = Guid.NewGuid().ToString() } }));

        Assert.Equal("original", await ReadTextAsync("leased"));
    }

    [Fact]
    public async Task Put_LeasedBlobWithItsLeaseId_WritesAndKeepsTheLease()
    {
        await PutTextAsync("leased", "original");
        var leaseId = await Store.AcquireLeaseAsync(Blob("leased"), s_shortLease, null, Ct);

        await PutTextAsync("leased", "holder", new BlobPutOptions { Conditions = new BlobConditions { LeaseId = leaseId } });

        Assert.Equal("holder", await ReadTextAsync("leased"));
        Assert.Equal(BlobLeaseState.Leased, (await Store.GetPropertiesAsync(Blob("leased"), Ct)).LeaseState);
        await AssertFailsAsync(BlobStoreErrorReason.LeaseConflict, () => PutTextAsync("leased", "intruder"));
    }

    [Fact]
    public async Task Put_WithLeaseIdOnUnleasedBlob_ThrowsLeaseLost()
    {
        await PutTextAsync("unleased", "original");

        await AssertFailsAsync(BlobStoreErrorReason.LeaseLost,
            () => PutTextAsync("unleased", "x", new BlobPutOptions { Conditions = new BlobConditions { LeaseId = Guid.NewGuid().ToString() } }));

        Assert.Equal("original", await ReadTextAsync("unleased"));
    }

    [Fact]
    public async Task Delete_LeasedBlob_NeedsTheLeaseId()
    {
        await PutTextAsync("leased", "x");
        var leaseId = await Store.AcquireLeaseAsync(Blob("leased"), s_shortLease, null, Ct);

        await AssertFailsAsync(BlobStoreErrorReason.LeaseConflict, () => Store.DeleteAsync(Blob("leased"), null, Ct));
        await AssertFailsAsync(BlobStoreErrorReason.LeaseConflict, () => Store.DeleteAsync(Blob("leased"), new BlobConditions { LeaseId = Guid.NewGuid().ToString() }, Ct));
        Assert.Equal("x", await ReadTextAsync("leased"));

        await Store.DeleteAsync(Blob("leased"), new BlobConditions { LeaseId = leaseId }, Ct);
        await AssertFailsAsync(BlobStoreErrorReason.NotFound, () => Store.GetPropertiesAsync(Blob("leased"), Ct));
    }

    [Fact]
    public async Task RenewLease_BeforeExpiry_ExtendsIt()
    {
        await PutTextAsync("leased", "x");
        var leaseId = await Store.AcquireLeaseAsync(Blob("leased"), s_shortLease, null, Ct);
        await AdvanceAsync(TimeSpan.FromSeconds(10));

        await Store.RenewLeaseAsync(Blob("leased"), leaseId, Ct);
        await AdvanceAsync(TimeSpan.FromSeconds(10));

        // 20 s after the acquire, 10 s after the renewal: still held.
        Assert.Equal(BlobLeaseState.Leased, (await Store.GetPropertiesAsync(Blob("leased"), Ct)).LeaseState);
        await AssertFailsAsync(BlobStoreErrorReason.LeaseConflict, () => CreateStore().AcquireLeaseAsync(Blob("leased"), s_shortLease, null, Ct));
        await AdvanceAsync(TimeSpan.FromSeconds(6));
        Assert.Equal(BlobLeaseState.Expired, (await Store.GetPropertiesAsync(Blob("leased"), Ct)).LeaseState);
    }

    [Fact]
    public async Task Lease_AfterExpiry_AnotherCallerAcquiresAndTheOldHolderHasLostIt()
    {
        await PutTextAsync("leased", "x");
        var first = await Store.AcquireLeaseAsync(Blob("leased"), s_shortLease, null, Ct);
        await AdvanceAsync(TimeSpan.FromSeconds(16));
        Assert.Equal(BlobLeaseState.Expired, (await Store.GetPropertiesAsync(Blob("leased"), Ct)).LeaseState);
        var other = CreateStore();

        var second = await other.AcquireLeaseAsync(Blob("leased"), s_shortLease, null, Ct);

        Assert.NotEqual(first, second);
        await AssertFailsAsync(BlobStoreErrorReason.LeaseLost, () => Store.RenewLeaseAsync(Blob("leased"), first, Ct));
        await AssertFailsAsync(BlobStoreErrorReason.LeaseConflict,
            () => PutTextAsync("leased", "stale holder", new BlobPutOptions { Conditions = new BlobConditions { LeaseId = first } }));
        await other.PutAsync(Blob("leased"), Text("new holder"), new BlobPutOptions { Conditions = new BlobConditions { LeaseId = second } }, Ct);
        Assert.Equal("new holder", await ReadTextAsync("leased"));
    }

    [Fact]
    public async Task RenewLease_AfterExpiryWhenNobodyElseTookIt_Succeeds()
    {
        await PutTextAsync("leased", "x");
        var leaseId = await Store.AcquireLeaseAsync(Blob("leased"), s_shortLease, null, Ct);
        await AdvanceAsync(TimeSpan.FromSeconds(16));

        await Store.RenewLeaseAsync(Blob("leased"), leaseId, Ct);

        Assert.Equal(BlobLeaseState.Leased, (await Store.GetPropertiesAsync(Blob("leased"), Ct)).LeaseState);
        await AssertFailsAsync(BlobStoreErrorReason.LeaseConflict, () => PutTextAsync("leased", "intruder"));
    }

    [Fact]
    public async Task Put_AfterLeaseExpiry_WritesWithoutLeaseIdAndEndsTheLease()
    {
        await PutTextAsync("leased", "x");
        var leaseId = await Store.AcquireLeaseAsync(Blob("leased"), s_shortLease, null, Ct);
        await AdvanceAsync(TimeSpan.FromSeconds(16));

        await CreateStore().PutAsync(Blob("leased"), Text("after expiry"), null, Ct);

        Assert.Equal("after expiry", await ReadTextAsync("leased"));
        Assert.Equal(BlobLeaseState.Available, (await Store.GetPropertiesAsync(Blob("leased"), Ct)).LeaseState);
        await AssertFailsAsync(BlobStoreErrorReason.LeaseLost, () => Store.RenewLeaseAsync(Blob("leased"), leaseId, Ct));
    }

    [Fact]
    public async Task InfiniteLease_OutlivesAFiniteOne()
    {
        await PutTextAsync("leased", "x");
        await Store.AcquireLeaseAsync(Blob("leased"), BlobLeases.InfiniteDuration, null, Ct);

        await AdvanceAsync(TimeSpan.FromSeconds(16));

        Assert.Equal(BlobLeaseState.Leased, (await Store.GetPropertiesAsync(Blob("leased"), Ct)).LeaseState);
        await AssertFailsAsync(BlobStoreErrorReason.LeaseConflict, () => CreateStore().AcquireLeaseAsync(Blob("leased"), s_shortLease, null, Ct));
    }

    [Fact]
    public async Task ReleaseLease_ThenAnotherCallerAcquiresAtOnce()
    {
        await PutTextAsync("leased", "x");
        var leaseId = await Store.AcquireLeaseAsync(Blob("leased"), BlobLeases.InfiniteDuration, null, Ct);

        await Store.ReleaseLeaseAsync(Blob("leased"), leaseId, Ct);

        Assert.Equal(BlobLeaseState.Available, (await Store.GetPropertiesAsync(Blob("leased"), Ct)).LeaseState);
        var other = await CreateStore().AcquireLeaseAsync(Blob("leased"), s_shortLease, null, Ct);
        Assert.NotEqual(leaseId, other);
        await AssertFailsAsync(BlobStoreErrorReason.LeaseLost, () => Store.RenewLeaseAsync(Blob("leased"), leaseId, Ct));
    }

    [Fact]
    public async Task ReleaseLease_WithAnotherId_ThrowsLeaseLostAndKeepsTheLease()
    {
        await PutTextAsync("leased", "x");
        await Store.AcquireLeaseAsync(Blob("leased"), BlobLeases.InfiniteDuration, null, Ct);

        await AssertFailsAsync(BlobStoreErrorReason.LeaseLost, () => Store.ReleaseLeaseAsync(Blob("leased"), Guid.NewGuid().ToString(), Ct));

        Assert.Equal(BlobLeaseState.Leased, (await Store.GetPropertiesAsync(Blob("leased"), Ct)).LeaseState);
    }

    [Fact]
    public async Task BreakLease_InfiniteLeaseWithoutPeriod_BreaksAtOnce()
    {
        await PutTextAsync("leased", "x");
        var leaseId = await Store.AcquireLeaseAsync(Blob("leased"), BlobLeases.InfiniteDuration, null, Ct);
        var other = CreateStore();

        var remaining = await other.BreakLeaseAsync(Blob("leased"), null, Ct);

        Assert.Equal(TimeSpan.Zero, remaining);
        Assert.Equal(BlobLeaseState.Broken, (await Store.GetPropertiesAsync(Blob("leased"), Ct)).LeaseState);
        await AssertFailsAsync(BlobStoreErrorReason.LeaseLost, () => Store.RenewLeaseAsync(Blob("leased"), leaseId, Ct));
        var taken = await other.AcquireLeaseAsync(Blob("leased"), s_shortLease, null, Ct);
        Assert.NotEqual(leaseId, taken);
    }

    [Fact]
    public async Task BreakLease_WithPeriod_HoldsOthersOffUntilItEnds()
    {
        await PutTextAsync("leased", "x");
        var leaseId = await Store.AcquireLeaseAsync(Blob("leased"), BlobLeases.InfiniteDuration, null, Ct);
        var other = CreateStore();

        var remaining = await other.BreakLeaseAsync(Blob("leased"), TimeSpan.FromSeconds(10), Ct);

        Assert.Equal(TimeSpan.FromSeconds(10), remaining);
        Assert.Equal(BlobLeaseState.Breaking, (await Store.GetPropertiesAsync(Blob("leased"), Ct)).LeaseState);
        await AssertFailsAsync(BlobStoreErrorReason.LeaseConflict, () => other.AcquireLeaseAsync(Blob("leased"), s_shortLease, null, Ct));
        await AssertFailsAsync(BlobStoreErrorReason.LeaseConflict, () => other.PutAsync(Blob("leased"), Text("intruder"), null, Ct));
        await AssertFailsAsync(BlobStoreErrorReason.LeaseLost, () => Store.RenewLeaseAsync(Blob("leased"), leaseId, Ct));

        await AdvanceAsync(TimeSpan.FromSeconds(11));

        Assert.Equal(BlobLeaseState.Broken, (await Store.GetPropertiesAsync(Blob("leased"), Ct)).LeaseState);
        await other.AcquireLeaseAsync(Blob("leased"), s_shortLease, null, Ct);
    }

    [Fact]
    public async Task BreakLease_FiniteLeaseWithoutPeriod_BreaksWhenItWouldHaveExpired()
    {
        await PutTextAsync("leased", "x");
        await Store.AcquireLeaseAsync(Blob("leased"), TimeSpan.FromSeconds(30), null, Ct);
        await AdvanceAsync(TimeSpan.FromSeconds(10));

        var remaining = await Store.BreakLeaseAsync(Blob("leased"), null, Ct);

        Assert.InRange(remaining, TimeSpan.FromSeconds(19), TimeSpan.FromSeconds(20));
        Assert.Equal(BlobLeaseState.Breaking, (await Store.GetPropertiesAsync(Blob("leased"), Ct)).LeaseState);
        await AdvanceAsync(TimeSpan.FromSeconds(21));
        Assert.Equal(BlobLeaseState.Broken, (await Store.GetPropertiesAsync(Blob("leased"), Ct)).LeaseState);
    }

    [Fact]
    public async Task BreakLease_PeriodBeyondTheLeaseEnd_BreaksWhenTheLeaseEnds()
    {
        await PutTextAsync("leased", "x");
        await Store.AcquireLeaseAsync(Blob("leased"), s_shortLease, null, Ct);
        await AdvanceAsync(TimeSpan.FromSeconds(5));

        var remaining = await Store.BreakLeaseAsync(Blob("leased"), BlobLeases.MaxBreakPeriod, Ct);

        Assert.InRange(remaining, TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task BreakLease_AgainWhileBreaking_OnlyBringsTheEndCloser()
    {
        await PutTextAsync("leased", "x");
        var leaseId = await Store.AcquireLeaseAsync(Blob("leased"), BlobLeases.InfiniteDuration, null, Ct);
        Assert.Equal(TimeSpan.FromSeconds(30), await Store.BreakLeaseAsync(Blob("leased"), TimeSpan.FromSeconds(30), Ct));

        Assert.InRange(await Store.BreakLeaseAsync(Blob("leased"), TimeSpan.FromSeconds(50), Ct), TimeSpan.FromSeconds(29), TimeSpan.FromSeconds(30));
        await AssertFailsAsync(BlobStoreErrorReason.LeaseConflict, () => Store.AcquireLeaseAsync(Blob("leased"), s_shortLease, leaseId, Ct));
        Assert.Equal(TimeSpan.Zero, await Store.BreakLeaseAsync(Blob("leased"), TimeSpan.Zero, Ct));

        Assert.Equal(BlobLeaseState.Broken, (await Store.GetPropertiesAsync(Blob("leased"), Ct)).LeaseState);
        Assert.Equal(leaseId, await Store.AcquireLeaseAsync(Blob("leased"), s_shortLease, leaseId, Ct));
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(61.0)]
    [InlineData(1.5)]
    public async Task BreakLease_PeriodOutsideAzureLimits_ThrowsArgumentOutOfRange(double seconds)
    {
        await PutTextAsync("leased", "x");
        await Store.AcquireLeaseAsync(Blob("leased"), BlobLeases.InfiniteDuration, null, Ct);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.BreakLeaseAsync(Blob("leased"), TimeSpan.FromSeconds(seconds), Ct));
    }

    [Fact]
    public async Task BreakLease_NoLease_ThrowsLeaseLost()
    {
        await PutTextAsync("unleased", "x");

        await AssertFailsAsync(BlobStoreErrorReason.LeaseLost, () => Store.BreakLeaseAsync(Blob("unleased"), null, Ct));
    }

    // ---- names

    [Theory]
    [InlineData("")]
    [InlineData("/a")]
    [InlineData("a/")]
    [InlineData("a//b")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a/../b")]
    [InlineData("a/./b")]
    [InlineData("a\\b")]
    [InlineData("a\u0001b")]
    [InlineData("ends.")]
    [InlineData("dot./b")]
    public void BlobAddress_InvalidName_ThrowsInvalidName(string name)
    {
        var error = Assert.Throws<BlobStoreException>(() => new BlobAddress(Container, name));

        Assert.Equal(BlobStoreErrorReason.InvalidName, error.Reason);
        Assert.Contains(Container, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BlobAddress_UnpairedSurrogate_ThrowsInvalidName()
    {
        // Built here: a lone surrogate does not survive an attribute argument.
        var name = "half" + (char)0xD800 + "surrogate";

        Assert.Equal(BlobStoreErrorReason.InvalidName, Assert.Throws<BlobStoreException>(() => new BlobAddress(Container, name)).Reason);
    }

    [Fact]
    public void BlobAddress_TooLongNameOrSegment_ThrowsInvalidName()
    {
        Assert.Equal(BlobStoreErrorReason.InvalidName, Assert.Throws<BlobStoreException>(() => new BlobAddress(Container, new string('n', 1025))).Reason);
        Assert.Equal(BlobStoreErrorReason.InvalidName, Assert.Throws<BlobStoreException>(() => new BlobAddress(Container, "a/" + new string('s', 256))).Reason);
        Assert.Equal(BlobStoreErrorReason.InvalidName, Assert.Throws<BlobStoreException>(() => new BlobAddress(Container, new string('é', 128))).Reason);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("Runs")]
    [InlineData("a_b")]
    [InlineData("-ab")]
    [InlineData("ab-")]
    [InlineData("a--b")]
    [InlineData("a.b")]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234")]
    public async Task ContainerName_Invalid_ThrowsInvalidName(string container)
    {
        Assert.Equal(BlobStoreErrorReason.InvalidName, Assert.Throws<BlobStoreException>(() => new BlobAddress(container, "a")).Reason);
        await AssertFailsAsync(BlobStoreErrorReason.InvalidName, () => Store.CreateContainerIfNotExistsAsync(container, Ct));
        await AssertFailsAsync(BlobStoreErrorReason.InvalidName, () => Store.ListAsync(container, null, Ct).ToListAsync(Ct).AsTask());
    }

    [Fact]
    public async Task Names_WithSpacesUnicodeLeadingDotsAndMaximumLength_RoundTrip()
    {
        var longest = string.Join('/', Enumerable.Repeat(new string('x', 99), 10)) + "/" + new string('z', 24);
        Assert.Equal(1024, longest.Length);
        string[] names = ["with space/and+plus=.json", "données/été.bin", ".hidden/.x", "deep/a/b/c/d/e/f/g.txt", longest];

        await PutNamesAsync(names);

        Assert.Equal(names.Order(StringComparer.Ordinal), await ListNamesAsync(null));
        foreach (var name in names)
        {
            Assert.Equal(name, await ReadTextAsync(name));
        }
    }

    // ---- helpers

    protected BlobAddress Blob(string name) => new(Container, name);

    protected static MemoryStream Text(string text) => new(Encoding.UTF8.GetBytes(text));

    protected Task<BlobWriteResult> PutTextAsync(string name, string text, BlobPutOptions? options = null) =>
        Store.PutAsync(Blob(name), Text(text), options, Ct);

    protected async Task<string> ReadTextAsync(string name)
    {
        using var download = await Store.GetAsync(Blob(name), null, Ct);
        return await ReadAllTextAsync(download.Content);
    }

    protected async Task<List<string>> ListNamesAsync(string? prefix) =>
        await Store.ListAsync(Container, prefix, Ct).Select(item => item.Name).ToListAsync(Ct);

    protected static async Task<BlobStoreException> AssertFailsAsync(BlobStoreErrorReason reason, Func<Task> action)
    {
        var error = await Assert.ThrowsAsync<BlobStoreException>(action);
        Assert.Equal(reason, error.Reason);
        return error;
    }

    private async Task PutNamesAsync(IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            await PutTextAsync(name, name);
        }
    }

    private static async Task<string> ReadAllTextAsync(Stream stream)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8, leaveOpen: true);
        return await reader.ReadToEndAsync(Ct);
    }

    private static async Task<byte[]> ReadAllBytesAsync(Stream stream)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, Ct);
        return buffer.ToArray();
    }
}
