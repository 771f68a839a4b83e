using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;
using Distill.Pipeline.Azure.Blobs;
using Distill.Pipeline.Storage;
using Distill.Pipeline.Tests.Storage;

namespace Distill.Pipeline.Tests.Azure.Blobs;

/// <summary>What the conformance suite does not show, checked against Azurite: signing details, checksums, auth failures.</summary>
[Collection(AzuriteTestGroup.Name)]
[Trait("Category", "Integration")]
public sealed class AzureBlobStoreAzuriteTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly string _container = "azurite-" + Guid.NewGuid().ToString("N")[..16];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        azurite.Require();
        await new AzureBlobStore(azurite.Options).CreateContainerIfNotExistsAsync(_container, Ct);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Put_MetadataNamesThatSortApartOrdinally_AreSignedAsAzuriteSortsThem()
    {
        var store = new AzureBlobStore(azurite.Options);
        var blob = new BlobAddress(_container, "meta.json");

        // Ordinal order would put a1 before a_b; Azurite's validator puts a_b first and rejects any other order.
        await store.PutAsync(blob, new MemoryStream("{}"u8.ToArray()), new BlobPutOptions
        {
            Metadata = new Dictionary<string, string> { ["a1"] = "one", ["a_b"] = "two", ["A_0"] = "three" },
        }, Ct);

        var properties = await store.GetPropertiesAsync(blob, Ct);
        Assert.Equal(("one", "two", "three"), (properties.Metadata["a1"], properties.Metadata["a_b"], properties.Metadata["a_0"]));
    }

    [Fact]
    public async Task WrongAccountKey_ThrowsAccessDenied()
    {
        var store = new AzureBlobStore(azurite.Options with { AccountKey = Convert.ToBase64String(Encoding.ASCII.GetBytes("not the emulator's key")) });

        var error = await Assert.ThrowsAsync<BlobStoreException>(() => store.GetPropertiesAsync(new BlobAddress(_container, "x"), Ct));

        Assert.Equal(BlobStoreErrorReason.AccessDenied, error.Reason);
        Assert.Contains(_container, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_BlockCorruptedInTransit_IsRejectedByItsChecksumAndNothingIsCommitted()
    {
        var options = new AzureBlobClientOptions { SingleUploadThreshold = 1024, BlockSize = 1024, MaxConcurrency = 2 };
        options.AddPolicy(new CorruptThirdBlockPolicy(), HttpPipelinePosition.PerRetry);
        var store = new AzureBlobStore(azurite.Options, options);
        var blob = new BlobAddress(_container, "corrupt.bin");

        var error = await Assert.ThrowsAsync<BlobStoreException>(() => store.PutAsync(blob, new PatternStream(5000, seed: 1), null, Ct));

        AssertChecksumRejected(error);
        Assert.Equal(BlobStoreErrorReason.NotFound, (await Assert.ThrowsAsync<BlobStoreException>(() => store.GetPropertiesAsync(blob, Ct))).Reason);
    }

    [Fact]
    public async Task Put_SingleShotCorruptedInTransit_IsRejectedByItsChecksum()
    {
        var options = new AzureBlobClientOptions();
        options.AddPolicy(new CorruptPutBlobPolicy(), HttpPipelinePosition.PerRetry);
        var store = new AzureBlobStore(azurite.Options, options);

        var error = await Assert.ThrowsAsync<BlobStoreException>(() => store.PutAsync(new BlobAddress(_container, "small.bin"), new MemoryStream("hello"u8.ToArray()), null, Ct));

        AssertChecksumRejected(error);
    }

    [Fact]
    public async Task Get_RangeFromTheStartOfAnEmptyBlob_ReturnsNoBytes()
    {
        var store = new AzureBlobStore(azurite.Options);
        var blob = new BlobAddress(_container, "empty");
        await store.PutAsync(blob, Stream.Null, null, Ct);

        using var download = await store.GetAsync(blob, new BlobRange(0, 100), Ct);

        Assert.Equal(0, download.ContentLength);
        Assert.Equal(-1, download.Content.ReadByte());
    }

    [Fact]
    public async Task Put_StagedUpload_LeavesTheContentMd5OfTheWholeBlob()
    {
        var options = new AzureBlobClientOptions { SingleUploadThreshold = 1024, BlockSize = 1024 };
        var recorder = new ResponseHeaderRecorder("Content-MD5");
        options.AddPolicy(recorder, HttpPipelinePosition.PerCall);
        var store = new AzureBlobStore(azurite.Options, options);
        var blob = new BlobAddress(_container, "staged.bin");
        await store.PutAsync(blob, new PatternStream(3000, seed: 9), null, Ct);

        await store.GetPropertiesAsync(blob, Ct);

        using var md5 = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.MD5);
        md5.AppendData(PatternStream.Slice(0, 3000, seed: 9));
        Assert.Equal(Convert.ToBase64String(md5.GetHashAndReset()), recorder.Last);
    }

    /// <summary>Flips one byte of the third Put Block's body after the store computed its Content-MD5.</summary>
    private sealed class CorruptThirdBlockPolicy : HttpPipelineSynchronousPolicy
    {
        private int _blocks;

        public override void OnSendingRequest(HttpMessage message)
        {
            if (message.Request.Uri.Query.Contains("comp=block&", StringComparison.Ordinal) && Interlocked.Increment(ref _blocks) == 3)
            {
                Corrupt(message.Request);
            }
        }
    }

    /// <summary>Flips one byte of every Put Blob body.</summary>
    private sealed class CorruptPutBlobPolicy : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message)
        {
            if (message.Request.Method == RequestMethod.Put && message.Request.Uri.Query.Length == 0)
            {
                Corrupt(message.Request);
            }
        }
    }

    /// <summary>Remembers the last value of one response header.</summary>
    private sealed class ResponseHeaderRecorder(string name) : HttpPipelineSynchronousPolicy
    {
        public string? Last { get; private set; }

        public override void OnReceivedResponse(HttpMessage message)
        {
            if (message.Response.Headers.TryGetValue(name, out var value))
            {
                Last = value;
            }
        }
    }

    /// <summary>Azure answers a wrong Content-MD5 with 400 Md5Mismatch; Azurite with 400 InvalidOperation and this message.</summary>
    private static void AssertChecksumRejected(BlobStoreException error)
    {
        Assert.Equal(BlobStoreErrorReason.ServiceError, error.Reason);
        Assert.Equal("InvalidOperation", error.ErrorCode);
        Assert.Contains("Provided contentMD5 doesn't match.", error.Message, StringComparison.Ordinal);
    }

    private static void Corrupt(Request request)
    {
        using var body = new MemoryStream();
        request.Content!.WriteTo(body, CancellationToken.None);
        var bytes = body.ToArray();
        bytes[0] ^= 0xFF;
        request.Content = RequestContent.Create(bytes);
    }
}
