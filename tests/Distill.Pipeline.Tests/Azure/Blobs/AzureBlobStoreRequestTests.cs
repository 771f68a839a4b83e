using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Azure.Core;
using Azure.Core.Pipeline;
using Distill.Pipeline.Azure.Blobs;
using Distill.Pipeline.Storage;
using Distill.Pipeline.Tests.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Distill.Pipeline.Tests.Azure.Blobs;

/// <summary>The exact requests <see cref="AzureBlobStore"/> sends, checked on a fake service behind the real transport.</summary>
public sealed class AzureBlobStoreRequestTests
{
    private static readonly Uri s_azurite = new("http://127.0.0.1:10000/devstoreaccount1");
    private static readonly BlobAddress s_blob = new("ckpt", "runs/r1/model.safetensors");
    private const string LeaseId = "0f8fad5b-d9cb-469f-a165-70867728950e";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static AzureBlobStoreOptions SharedKey => AzureBlobStoreOptions.FromConnectionString("UseDevelopmentStorage=true");

    // ---- put

    [Fact]
    public async Task Put_SmallContent_SendsOnePutBlobWithChecksumTypeMetadataAndConditions()
    {
        var service = new FakeBlobService(_ => FakeBlobService.Written("\"0x8DC1\""));
        var store = new AzureBlobStore(SharedKey, service.ClientOptions());

        var written = await store.PutAsync(s_blob, new MemoryStream("hello"u8.ToArray()), new BlobPutOptions
        {
            ContentType = "application/json",
            Metadata = new Dictionary<string, string> { ["RunId"] = "r1" },
            Conditions = new BlobConditions { IfNoneMatch = "*", LeaseId = LeaseId.ToUpperInvariant() },
        }, Ct);

        var request = Assert.Single(service.Requests);
        Assert.Equal("PUT", request.Method);
        Assert.Equal("/devstoreaccount1/ckpt/runs/r1/model.safetensors", request.Path);
        Assert.Equal("", request.Uri.Query);
        Assert.Equal("BlockBlob", request.Header("x-ms-blob-type"));
        Assert.Equal("2024-11-04", request.Header("x-ms-version"));
        Assert.Equal("application/json", request.Header("Content-Type"));
        Assert.Equal("5", request.Header("Content-Length"));
        Assert.Equal("XUFAKrxLKna5cZ2REBfFkg==", request.Header("Content-MD5"));
        Assert.Equal("r1", request.Header("x-ms-meta-RunId"));
        Assert.Equal("*", request.Header("If-None-Match"));
        Assert.Null(request.Header("If-Match"));
        Assert.Equal(LeaseId, request.Header("x-ms-lease-id"));
        Assert.Equal("hello", request.BodyText);
        Assert.StartsWith("SharedKey devstoreaccount1:", request.Header("Authorization"), StringComparison.Ordinal);
        Assert.NotNull(request.Header("x-ms-date"));
        Assert.Equal(new BlobWriteResult("\"0x8DC1\"", new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero)), written);
    }

    [Fact]
    public async Task Put_WithoutOptions_SendsTheDefaultContentTypeAndNoConditions()
    {
        var service = new FakeBlobService(_ => FakeBlobService.Written());
        var store = new AzureBlobStore(SharedKey, service.ClientOptions());

        await store.PutAsync(s_blob, Stream.Null, null, Ct);

        var request = Assert.Single(service.Requests);
        Assert.Equal("application/octet-stream", request.Header("Content-Type"));
        Assert.Equal("1B2M2Y8AsgTpgAmY7PhCfg==", request.Header("Content-MD5"));
        Assert.Empty(request.Body);
        Assert.DoesNotContain(request.Headers.Keys, name => name.StartsWith("If-", StringComparison.OrdinalIgnoreCase) || name == "x-ms-lease-id");
    }

    [Fact]
    public void EscapeBlobName_KeepsSeparatorsAndEncodesEachSegment()
    {
        Assert.Equal("with%20space/and%2Bplus%3D.json", AzureBlobStore.EscapeBlobName("with space/and+plus=.json"));
        Assert.Equal("donn%C3%A9es/%C3%A9t%C3%A9.bin", AzureBlobStore.EscapeBlobName("données/été.bin"));
    }

    [Fact]
    public async Task Put_LongerThanTheThreshold_StagesBlocksWithTheirMd5ThenCommitsThemInOrder()
    {
        var content = Enumerable.Range(0, 23).Select(i => (byte)i).ToArray();
        var service = new FakeBlobService(request => request.Method == "HEAD"
            ? Blob(200, [], [])
            : request.Query("comp") == "block" ? FakeBlobService.Answer(201) : FakeBlobService.Written("\"0x8DC2\""));
        var options = service.ClientOptions();
        options.SingleUploadThreshold = 10;
        options.BlockSize = 4;
        var store = new AzureBlobStore(SharedKey, options);

        var written = await store.PutAsync(s_blob, new MemoryStream(content), new BlobPutOptions
        {
            ContentType = "application/x-safetensors",
            Metadata = new Dictionary<string, string> { ["step"] = "100" },
            Conditions = new BlobConditions { IfMatch = "\"0x8DC1\"", LeaseId = LeaseId },
        }, Ct);

        // A pre-check of the If-Match condition, six blocks (4+4+4+4+4+3 bytes), then the commit.
        var requests = service.Requests;
        Assert.Equal("HEAD", requests[0].Method);
        var blocks = requests.Where(r => r.Query("comp") == "block").ToList();
        Assert.Equal(6, blocks.Count);
        Assert.All(blocks, block =>
        {
            Assert.Equal("PUT", block.Method);
            Assert.Equal("/devstoreaccount1/ckpt/runs/r1/model.safetensors", block.Path);
            Assert.Equal(Md5(block.Body), block.Header("Content-MD5"));
            Assert.Equal(LeaseId, block.Header("x-ms-lease-id"));
            Assert.Null(block.Header("If-Match"));
        });
        var ids = blocks.Select(b => b.Query("blockid")!).ToList();
        Assert.Equal(6, ids.Distinct().Count());
        Assert.Single(ids.Select(id => id.Length).Distinct());

        var commit = requests[^1];
        Assert.Equal("blocklist", commit.Query("comp"));
        Assert.Equal(8, requests.Count);
        var listed = XDocument.Parse(commit.BodyText).Root!;
        Assert.Equal("BlockList", listed.Name.LocalName);
        var latest = listed.Elements("Latest").Select(e => e.Value).ToList();
        Assert.Equal(6, latest.Count);
        // The list's order is the content's order: the blocks' bytes in that order are the content.
        Assert.Equal(content, latest.SelectMany(id => blocks.Single(b => b.Query("blockid") == id).Body).ToArray());
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList><Latest>", commit.BodyText, StringComparison.Ordinal);
        Assert.Equal(Md5(commit.Body), commit.Header("Content-MD5"));
        Assert.Equal(Md5(content), commit.Header("x-ms-blob-content-md5"));
        Assert.Equal("application/x-safetensors", commit.Header("x-ms-blob-content-type"));
        Assert.Equal("100", commit.Header("x-ms-meta-step"));
        Assert.Equal("\"0x8DC1\"", commit.Header("If-Match"));
        Assert.Equal(LeaseId, commit.Header("x-ms-lease-id"));
        Assert.Equal("\"0x8DC2\"", written.ETag);
    }

    [Theory]
    [InlineData(99, false, 1)]
    [InlineData(100, false, 1)]
    [InlineData(101, false, 4)]
    [InlineData(100, true, 1)]
    [InlineData(101, true, 4)]
    [InlineData(250_000, false, 6)]
    public async Task Put_AtTheThreshold_SwitchesFromOnePutBlobToBlocks(int length, bool seekable, int requests)
    {
        var service = new FakeBlobService(request => request.Query("comp") == "block" ? FakeBlobService.Answer(201) : FakeBlobService.Written());
        var options = service.ClientOptions();
        // The long case reads past the first 64 KiB of its growing first buffer before it knows it needs blocks.
        options.SingleUploadThreshold = length >= 1000 ? 200_000 : 100;
        options.BlockSize = length >= 1000 ? 50_000 : 40;
        var store = new AzureBlobStore(SharedKey, options);
        Stream content = seekable ? new MemoryStream(PatternStream.Slice(0, length, seed: 5)) : new PatternStream(length, seed: 5);

        await store.PutAsync(s_blob, content, null, Ct);

        // Blocks: ceil(length / BlockSize) of them, then the block list.
        Assert.Equal(requests, service.Requests.Count);
        var sent = requests == 1
            ? service.Requests[0].Body
            : XDocument.Parse(service.Requests[^1].BodyText).Root!.Elements("Latest")
                .SelectMany(id => service.Requests.Single(r => r.Query("blockid") == id.Value).Body).ToArray();
        Assert.Equal(PatternStream.Slice(0, length, seed: 5), sent);
    }

    [Fact]
    public async Task Put_StagedBlocks_UploadInParallelUpToMaxConcurrency()
    {
        var inFlight = 0;
        var most = 0;
        var service = new FakeBlobService(async (request, cancellationToken) =>
        {
            if (request.Query("comp") != "block")
            {
                return FakeBlobService.Written();
            }
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref most, now);
            await Task.Delay(40, cancellationToken);
            Interlocked.Decrement(ref inFlight);
            return FakeBlobService.Answer(201);
        });
        var options = service.ClientOptions();
        options.SingleUploadThreshold = 16;
        options.BlockSize = 16;
        options.MaxConcurrency = 3;
        var store = new AzureBlobStore(SharedKey, options);

        await store.PutAsync(s_blob, new MemoryStream(new byte[16 * 10]), null, Ct);

        Assert.Equal(10, service.Requests.Count(r => r.Query("comp") == "block"));
        Assert.Equal(3, most);
    }

    [Fact]
    public async Task Put_BlockRejected_ThrowsItsErrorAndCommitsNothing()
    {
        var service = new FakeBlobService(request =>
            request.Query("comp") == "block" && request.Body[0] == 2 ? FakeBlobService.Error(412, "LeaseIdMissing") : FakeBlobService.Answer(201));
        var options = service.ClientOptions();
        options.SingleUploadThreshold = 4;
        options.BlockSize = 4;
        options.MaxConcurrency = 1;
        var store = new AzureBlobStore(SharedKey, options);
        var content = Enumerable.Range(0, 40).Select(i => (byte)(i / 4)).ToArray();

        var error = await Assert.ThrowsAsync<BlobStoreException>(() => store.PutAsync(s_blob, new MemoryStream(content), null, Ct));

        Assert.Equal(BlobStoreErrorReason.LeaseConflict, error.Reason);
        Assert.Equal("LeaseIdMissing", error.ErrorCode);
        Assert.DoesNotContain(service.Requests, r => r.Query("comp") == "blocklist");
        Assert.Equal(3, service.Requests.Count);
    }

    [Fact]
    public async Task Put_StagedIfNotExistsOnAnExistingBlob_FailsBeforeSendingBlocks()
    {
        var service = new FakeBlobService(request => request.Method == "HEAD"
            ? FakeBlobService.Answer(200, ["ETag", "\"0x1\"", "Last-Modified", "Sun, 01 Mar 2026 12:00:00 GMT", "Content-Length", "3"])
            : FakeBlobService.Answer(201));
        var options = service.ClientOptions();
        options.SingleUploadThreshold = 4;
        options.BlockSize = 4;
        var store = new AzureBlobStore(SharedKey, options);

        var error = await Assert.ThrowsAsync<BlobStoreException>(() =>
            store.PutAsync(s_blob, new MemoryStream(new byte[12]), new BlobPutOptions { Conditions = BlobConditions.IfNotExists }, Ct));

        Assert.Equal(BlobStoreErrorReason.ConditionNotMet, error.Reason);
        Assert.Equal("HEAD", Assert.Single(service.Requests).Method);
    }

    // ---- get

    [Theory]
    [InlineData(400L, 200L, "bytes=400-599")]
    [InlineData(999L, null, "bytes=999-")]
    [InlineData(0L, 1L, "bytes=0-0")]
    public async Task Get_Range_SendsXmsRange(long offset, long? length, string expected)
    {
        var service = new FakeBlobService(_ => Blob(206, "x"u8.ToArray(), ["Content-Range", $"bytes {offset}-{offset}/1000"]));
        var store = new AzureBlobStore(SharedKey, service.ClientOptions());

        using var download = await store.GetAsync(s_blob, new BlobRange(offset, length), Ct);

        var request = Assert.Single(service.Requests);
        Assert.Equal("GET", request.Method);
        Assert.Equal(expected, request.Header("x-ms-range"));
        Assert.Null(request.Header("Range"));
        Assert.Equal(1000, download.Properties.Length);
        Assert.Equal(1, download.ContentLength);
    }

    [Fact]
    public async Task Get_WholeBlob_SendsNoRangeAndReadsProperties()
    {
        var service = new FakeBlobService(_ => Blob(200, "abc"u8.ToArray(), ["x-ms-meta-runid", "r1", "x-ms-lease-state", "leased"]));
        var store = new AzureBlobStore(SharedKey, service.ClientOptions());

        using var download = await store.GetAsync(s_blob, new BlobRange(0), Ct);

        Assert.Null(Assert.Single(service.Requests).Header("x-ms-range"));
        Assert.Equal(3, download.ContentLength);
        Assert.Equal(3, download.Properties.Length);
        Assert.Equal("\"0x8DC1\"", download.Properties.ETag);
        Assert.Equal("text/plain", download.Properties.ContentType);
        Assert.Equal("r1", download.Properties.Metadata["RunId"]);
        Assert.Equal(BlobLeaseState.Leased, download.Properties.LeaseState);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero), download.Properties.LastModified);
    }

    [Fact]
    public async Task Get_StreamsTheBodyAsItArrives()
    {
        var body = new Pipe();
        var service = new FakeBlobService(_ => FakeBlobService.Answer(200,
            ["ETag", "\"0x8DC1\"", "Last-Modified", "Sun, 01 Mar 2026 12:00:00 GMT", "Content-Length", "8"],
            new StreamContent(body.Reader.AsStream())));
        var store = new AzureBlobStore(SharedKey, service.ClientOptions());
        await body.Writer.WriteAsync("firs"u8.ToArray(), Ct);

        // Returns with half of the body sent: the content is read from the connection, not buffered first.
        using var download = await store.GetAsync(s_blob, null, Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);
        var first = new byte[4];
        await download.Content.ReadExactlyAsync(first, Ct);
        await body.Writer.WriteAsync("t ok"u8.ToArray(), Ct);
        await body.Writer.CompleteAsync();
        var rest = new byte[8];
        var read = await download.Content.ReadAtLeastAsync(rest, 4, throwOnEndOfStream: false, Ct);

        Assert.Equal("first ok", Encoding.ASCII.GetString(first) + Encoding.ASCII.GetString(rest, 0, read));
    }

    [Fact]
    public async Task Get_RangeOfAnEmptyBlob_ReadsItWhole()
    {
        var service = new FakeBlobService(request => request.Header("x-ms-range") is null ? Blob(200, [], []) : FakeBlobService.Error(416, "InvalidRange"));
        var store = new AzureBlobStore(SharedKey, service.ClientOptions());

        using var download = await store.GetAsync(s_blob, new BlobRange(0, 100), Ct);

        Assert.Equal(0, download.ContentLength);
        Assert.Equal(2, service.Requests.Count);
    }

    [Fact]
    public async Task GetProperties_SendsHeadAndMapsA404WithoutBodyToNotFound()
    {
        var service = new FakeBlobService(_ => FakeBlobService.Answer(404));
        var store = new AzureBlobStore(SharedKey, service.ClientOptions());

        var error = await Assert.ThrowsAsync<BlobStoreException>(() => store.GetPropertiesAsync(s_blob, Ct));

        Assert.Equal("HEAD", Assert.Single(service.Requests).Method);
        Assert.Equal(BlobStoreErrorReason.NotFound, error.Reason);
    }

    // ---- list

    [Fact]
    public async Task List_FollowsNextMarkerAndParsesEachPage()
    {
        var service = new FakeBlobService(request => request.Query("marker") is null
            ? FakeBlobService.Answer(200, ["Content-Type", "application/xml"], Encoding.UTF8.GetBytes(
                """
                <?xml version="1.0" encoding="utf-8"?>
                <EnumerationResults ServiceEndpoint="http://127.0.0.1:10000/devstoreaccount1" ContainerName="ckpt">
                  <Prefix>runs/</Prefix><MaxResults>2</MaxResults>
                  <Blobs>
                    <Blob><Name>runs/a</Name><Properties><Last-Modified>Sun, 01 Mar 2026 12:00:00 GMT</Last-Modified><Etag>0x8DC1</Etag>
                      <Content-Length>12</Content-Length><Content-Type>application/json</Content-Type><BlobType>BlockBlob</BlobType>
                      <LeaseStatus>locked</LeaseStatus><LeaseState>leased</LeaseState></Properties>
                      <Metadata><runid>r1</runid></Metadata></Blob>
                    <Blob><Name Encoded="true">runs/%EF%BF%BEodd</Name><Properties><Last-Modified>Sun, 01 Mar 2026 12:00:01 GMT</Last-Modified>
                      <Etag>"0x8DC2"</Etag><Content-Length>0</Content-Length><Content-Type /></Properties></Blob>
                  </Blobs>
                  <NextMarker>2!32!MDAwMDA3IXJ1bnMvYiEwMDAwMjgh</NextMarker>
                </EnumerationResults>
                """))
            : FakeBlobService.Answer(200, [], Encoding.UTF8.GetBytes(
                "<EnumerationResults><Blobs><Blob><Name>runs/c</Name><Properties><Last-Modified>Sun, 01 Mar 2026 12:00:02 GMT</Last-Modified>" +
                "<Etag>0x8DC3</Etag><Content-Length>1</Content-Length><Content-Type>text/plain</Content-Type><LeaseState>available</LeaseState>" +
                "</Properties></Blob></Blobs><NextMarker /></EnumerationResults>")));
        var options = service.ClientOptions();
        options.ListPageSize = 2;
        var store = new AzureBlobStore(SharedKey, options);

        var items = await store.ListAsync("ckpt", "runs/", Ct).ToListAsync(Ct);

        Assert.Equal(["runs/a", "runs/\uFFFEodd", "runs/c"], items.Select(i => i.Name));
        Assert.Equal("\"0x8DC1\"", items[0].Properties.ETag);
        Assert.Equal("\"0x8DC2\"", items[1].Properties.ETag);
        Assert.Equal(12, items[0].Properties.Length);
        Assert.Equal("application/json", items[0].Properties.ContentType);
        Assert.Equal("application/octet-stream", items[1].Properties.ContentType);
        Assert.Equal("r1", items[0].Properties.Metadata["RUNID"]);
        Assert.Equal(BlobLeaseState.Leased, items[0].Properties.LeaseState);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 12, 0, 2, TimeSpan.Zero), items[2].Properties.LastModified);

        var (first, second) = (service.Requests[0], service.Requests[1]);
        Assert.Equal(2, service.Requests.Count);
        Assert.Equal("/devstoreaccount1/ckpt", first.Path);
        Assert.Equal(("container", "list", "runs/", "2", "metadata"),
            (first.Query("restype"), first.Query("comp"), first.Query("prefix"), first.Query("maxresults"), first.Query("include")));
        Assert.Null(first.Query("marker"));
        Assert.Null(first.Query("delimiter"));
        Assert.Equal("2!32!MDAwMDA3IXJ1bnMvYiEwMDAwMjgh", second.Query("marker"));
        Assert.Equal("runs/", second.Query("prefix"));
    }

    // ---- delete, conditions and leases

    [Fact]
    public async Task Delete_WithConditions_SendsIfMatchAndLeaseId()
    {
        var service = new FakeBlobService(_ => FakeBlobService.Answer(202));
        var store = new AzureBlobStore(SharedKey, service.ClientOptions());

        await store.DeleteAsync(s_blob, new BlobConditions { IfMatch = "\"0x8DC1\"", LeaseId = LeaseId }, Ct);

        var request = Assert.Single(service.Requests);
        Assert.Equal("DELETE", request.Method);
        Assert.Equal("\"0x8DC1\"", request.Header("If-Match"));
        Assert.Equal(LeaseId, request.Header("x-ms-lease-id"));
    }

    [Fact]
    public async Task Put_IfNoneMatchETag_SendsIt()
    {
        var service = new FakeBlobService(_ => FakeBlobService.Written());
        var store = new AzureBlobStore(SharedKey, service.ClientOptions());

        await store.PutAsync(s_blob, new MemoryStream([1]), new BlobPutOptions { Conditions = new BlobConditions { IfNoneMatch = "\"0x8DC1\"" } }, Ct);

        Assert.Equal("\"0x8DC1\"", Assert.Single(service.Requests).Header("If-None-Match"));
    }

    [Fact]
    public async Task AcquireLease_SendsActionDurationAndProposedId()
    {
        var service = new FakeBlobService(_ => FakeBlobService.Answer(201, ["x-ms-lease-id", LeaseId.ToUpperInvariant()]));
        var store = new AzureBlobStore(SharedKey, service.ClientOptions());

        var finite = await store.AcquireLeaseAsync(s_blob, TimeSpan.FromSeconds(15), LeaseId, Ct);
        var infinite = await store.AcquireLeaseAsync(s_blob, BlobLeases.InfiniteDuration, null, Ct);

        var (first, second) = (service.Requests[0], service.Requests[1]);
        Assert.Equal(("PUT", "lease", "acquire", "15", LeaseId),
            (first.Method, first.Query("comp"), first.Header("x-ms-lease-action"), first.Header("x-ms-lease-duration"), first.Header("x-ms-proposed-lease-id")));
        Assert.Equal("-1", second.Header("x-ms-lease-duration"));
        Assert.Null(second.Header("x-ms-proposed-lease-id"));
        Assert.Equal(LeaseId, finite);
        Assert.Equal(LeaseId, infinite);
    }

    [Theory]
    [InlineData("renew")]
    [InlineData("release")]
    public async Task RenewAndReleaseLease_SendTheActionAndLeaseId(string action)
    {
        var service = new FakeBlobService(_ => FakeBlobService.Answer(200));
        var store = new AzureBlobStore(SharedKey, service.ClientOptions());

        var task = action == "renew" ? store.RenewLeaseAsync(s_blob, LeaseId, Ct) : store.ReleaseLeaseAsync(s_blob, LeaseId, Ct);
        await task;

        var request = Assert.Single(service.Requests);
        Assert.Equal((action, LeaseId, "lease"), (request.Header("x-ms-lease-action"), request.Header("x-ms-lease-id"), request.Query("comp")));
    }

    [Fact]
    public async Task BreakLease_SendsThePeriodAndReturnsTheTimeLeft()
    {
        var service = new FakeBlobService(_ => FakeBlobService.Answer(202, ["x-ms-lease-time", "7"]));
        var store = new AzureBlobStore(SharedKey, service.ClientOptions());

        var left = await store.BreakLeaseAsync(s_blob, TimeSpan.FromSeconds(10), Ct);
        await store.BreakLeaseAsync(s_blob, null, Ct);

        Assert.Equal(TimeSpan.FromSeconds(7), left);
        Assert.Equal(("break", "10"), (service.Requests[0].Header("x-ms-lease-action"), service.Requests[0].Header("x-ms-lease-break-period")));
        Assert.Null(service.Requests[1].Header("x-ms-lease-break-period"));
    }

    [Fact]
    public async Task CreateContainer_ExistingOne_ReturnsFalse()
    {
        var service = new FakeBlobService(_ => FakeBlobService.Error(409, "ContainerAlreadyExists"));
        var store = new AzureBlobStore(SharedKey, service.ClientOptions());

        Assert.False(await store.CreateContainerIfNotExistsAsync("ckpt", Ct));

        var request = Assert.Single(service.Requests);
        Assert.Equal(("PUT", "/devstoreaccount1/ckpt", "container"), (request.Method, request.Path, request.Query("restype")));
    }

    // ---- authentication

    [Fact]
    public async Task SharedKey_ThroughThePipeline_SignsTheRequestAsSent()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 10, 11, 21, 49, 13, TimeSpan.Zero));
        var service = new FakeBlobService(_ => FakeBlobService.Answer(201, ["x-ms-lease-id", LeaseId]));
        var store = new AzureBlobStore(SharedKey, service.ClientOptions(), time);

        using (HttpPipeline.CreateClientRequestIdScope("request-1"))
        {
            await store.AcquireLeaseAsync(new BlobAddress("ckpt", "a.bin"), TimeSpan.FromSeconds(60), null, Ct);
        }

        var request = Assert.Single(service.Requests);
        var expected =
            "PUT\n\n\n\n\n\n\n\n\n\n\n\n" +
            "x-ms-client-request-id:request-1\nx-ms-date:Sun, 11 Oct 2026 21:49:13 GMT\nx-ms-lease-action:acquire\nx-ms-lease-duration:60\n" +
            "x-ms-return-client-request-id:true\nx-ms-version:2024-11-04\n" +
            "/devstoreaccount1/devstoreaccount1/ckpt/a.bin\ncomp:lease";
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Convert.FromBase64String(AzureStorageConnectionString.DevelopmentAccountKey), Encoding.UTF8.GetBytes(expected)));
        Assert.Equal($"SharedKey devstoreaccount1:{signature}", request.Header("Authorization"));
    }

    [Fact]
    public async Task Sas_AppendsTheTokenOnceAndSendsNoAuthorization()
    {
        var attempts = 0;
        var service = new FakeBlobService(_ => Interlocked.Increment(ref attempts) == 1 ? FakeBlobService.Error(503, "ServerBusy") : FakeBlobService.Answer(200, ["Content-Length", "0", "ETag", "\"0x1\"", "Last-Modified", "Sun, 01 Mar 2026 12:00:00 GMT"]));
        var options = new AzureBlobStoreOptions { ServiceUri = new Uri("https://acct.blob.core.windows.net"), SasToken = "?sv=2024-11-04&ss=b&srt=sco&sp=rwdl&se=2026-12-31T00%3A00%3A00Z&sig=abc%2Bdef%3D" };
        var store = new AzureBlobStore(options, service.ClientOptions());

        await store.GetPropertiesAsync(s_blob, Ct);

        Assert.Equal(2, service.Requests.Count);
        Assert.All(service.Requests, request =>
        {
            Assert.Equal("https://acct.blob.core.windows.net/ckpt/runs/r1/model.safetensors?sv=2024-11-04&ss=b&srt=sco&sp=rwdl&se=2026-12-31T00%3A00%3A00Z&sig=abc%2Bdef%3D", request.Uri.AbsoluteUri);
            Assert.Null(request.Header("Authorization"));
            Assert.NotNull(request.Header("x-ms-date"));
        });
    }

    [Fact]
    public async Task EntraId_SendsABearerTokenForTheStorageScope()
    {
        var credential = new FixedTokenCredential("token-1");
        var service = new FakeBlobService(_ => FakeBlobService.Answer(202));
        var options = new AzureBlobStoreOptions { ServiceUri = new Uri("https://acct.blob.core.windows.net/"), Credential = credential };
        var store = new AzureBlobStore(options, service.ClientOptions());

        await store.DeleteAsync(s_blob, null, Ct);

        var request = Assert.Single(service.Requests);
        Assert.Equal("Bearer token-1", request.Header("Authorization"));
        Assert.Equal("/ckpt/runs/r1/model.safetensors", request.Path);
        Assert.NotNull(request.Header("x-ms-date"));
        Assert.Equal(["https://storage.azure.com/.default"], credential.Scopes);
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsListingEveryProblem()
    {
        var error = Assert.Throws<ArgumentException>(() => new AzureBlobStore(new AzureBlobStoreOptions { AccountKey = "not base64!", SasToken = "sv=1" }));

        Assert.Contains("ServiceUri is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("one way to authenticate", error.Message, StringComparison.Ordinal);
        Assert.Contains("AccountKey is not a base64", error.Message, StringComparison.Ordinal);
        Assert.Contains("SasToken has no signature", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not base64!", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_InvalidClientOptions_ThrowsListingEveryProblem()
    {
        var error = Assert.Throws<ArgumentException>(() => new AzureBlobStore(SharedKey, new AzureBlobClientOptions { BlockSize = 0, MaxConcurrency = 0, ListPageSize = 5001 }));

        Assert.Contains("BlockSize", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxConcurrency", error.Message, StringComparison.Ordinal);
        Assert.Contains("ListPageSize", error.Message, StringComparison.Ordinal);
    }

    // ---- retries: Azure.Core's pipeline, once

    [Fact]
    public async Task Put_503ThenSuccess_IsRetriedOnceByThePipeline()
    {
        var attempts = 0;
        var flaky = new FakeBlobService(request => Interlocked.Increment(ref attempts) == 1 ? FakeBlobService.Error(503, "ServerBusy") : FakeBlobService.Written());
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var store = new AzureBlobStore(SharedKey, flaky.ClientOptions(), time);

        await store.PutAsync(s_blob, new MemoryStream("hello"u8.ToArray()), null, Ct);

        // Two sends on the wire: the failed one and one retry. Both carry the whole body and their own signature.
        Assert.Equal(2, flaky.Requests.Count);
        Assert.All(flaky.Requests, request =>
        {
            Assert.Equal("hello", request.BodyText);
            Assert.StartsWith("SharedKey devstoreaccount1:", request.Header("Authorization"), StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Put_Always503_GivesUpAfterThePipelinesRetriesWithServiceUnavailable()
    {
        var service = new FakeBlobService(_ => FakeBlobService.Error(503, "ServerBusy"));
        var store = new AzureBlobStore(SharedKey, service.ClientOptions(maxRetries: 2));

        var error = await Assert.ThrowsAsync<BlobStoreException>(() => store.PutAsync(s_blob, new MemoryStream([1]), null, Ct));

        Assert.Equal(3, service.Requests.Count);
        Assert.Equal(BlobStoreErrorReason.ServiceUnavailable, error.Reason);
        Assert.Equal("ServerBusy", error.ErrorCode);
        Assert.Contains("ServerBusy", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_NetworkFailure_RetriedByThePipelineThenServiceUnavailable()
    {
        var service = new FakeBlobService(_ => throw new HttpRequestException("connection refused"));
        var store = new AzureBlobStore(SharedKey, service.ClientOptions(maxRetries: 1));

        var error = await Assert.ThrowsAsync<BlobStoreException>(() => store.GetAsync(s_blob, null, Ct));

        Assert.Equal(2, service.Requests.Count);
        Assert.Equal(BlobStoreErrorReason.ServiceUnavailable, error.Reason);
        Assert.Contains("connection refused", error.Message, StringComparison.Ordinal);
        Assert.Contains(s_blob.Name, error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.InnerException);
    }

    [Fact]
    public async Task RealTransport_NothingListening_ThrowsServiceUnavailable()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var options = AzureBlobStoreOptions.FromConnectionString(
            $"AccountName=devstoreaccount1;AccountKey={AzureStorageConnectionString.DevelopmentAccountKey};BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1");
        var store = new AzureBlobStore(options, new AzureBlobClientOptions { Retry = { MaxRetries = 1, Delay = TimeSpan.FromMilliseconds(1) } });

        var error = await Assert.ThrowsAsync<BlobStoreException>(() => store.GetPropertiesAsync(s_blob, Ct));

        Assert.Equal(BlobStoreErrorReason.ServiceUnavailable, error.Reason);
        Assert.Equal("ServiceUnreachable", error.ErrorCode);
    }

    [Fact]
    public async Task Put_412_IsNotRetried()
    {
        var service = new FakeBlobService(_ => FakeBlobService.Error(412, "ConditionNotMet"));
        var store = new AzureBlobStore(SharedKey, service.ClientOptions());

        await Assert.ThrowsAsync<BlobStoreException>(() => store.PutAsync(s_blob, new MemoryStream([1]), new BlobPutOptions { Conditions = BlobConditions.IfMatchETag("\"0x1\"") }, Ct));

        Assert.Single(service.Requests);
    }

    // ---- error codes

    [Theory]
    [InlineData(404, "BlobNotFound", BlobStoreErrorReason.NotFound)]
    [InlineData(404, "ContainerNotFound", BlobStoreErrorReason.ContainerNotFound)]
    [InlineData(412, "ConditionNotMet", BlobStoreErrorReason.ConditionNotMet)]
    [InlineData(409, "BlobAlreadyExists", BlobStoreErrorReason.ConditionNotMet)]
    [InlineData(412, "LeaseIdMissing", BlobStoreErrorReason.LeaseConflict)]
    [InlineData(412, "LeaseIdMismatchWithBlobOperation", BlobStoreErrorReason.LeaseConflict)]
    [InlineData(409, "LeaseAlreadyPresent", BlobStoreErrorReason.LeaseConflict)]
    [InlineData(409, "LeaseIsBreakingAndCannotBeAcquired", BlobStoreErrorReason.LeaseConflict)]
    [InlineData(412, "LeaseLost", BlobStoreErrorReason.LeaseLost)]
    [InlineData(412, "LeaseNotPresentWithBlobOperation", BlobStoreErrorReason.LeaseLost)]
    [InlineData(409, "LeaseIdMismatchWithLeaseOperation", BlobStoreErrorReason.LeaseLost)]
    [InlineData(409, "LeaseNotPresentWithLeaseOperation", BlobStoreErrorReason.LeaseLost)]
    [InlineData(409, "LeaseIsBrokenAndCannotBeRenewed", BlobStoreErrorReason.LeaseLost)]
    [InlineData(416, "InvalidRange", BlobStoreErrorReason.InvalidRange)]
    [InlineData(400, "InvalidResourceName", BlobStoreErrorReason.InvalidName)]
    [InlineData(403, "AuthenticationFailed", BlobStoreErrorReason.AccessDenied)]
    [InlineData(403, "AuthorizationPermissionMismatch", BlobStoreErrorReason.AccessDenied)]
    [InlineData(403, "KeyBasedAuthenticationNotPermitted", BlobStoreErrorReason.AccessDenied)]
    [InlineData(401, "InvalidAuthenticationInfo", BlobStoreErrorReason.AccessDenied)]
    [InlineData(400, "Md5Mismatch", BlobStoreErrorReason.ServiceError)]
    [InlineData(400, "InvalidHeaderValue", BlobStoreErrorReason.ServiceError)]
    [InlineData(500, "InternalError", BlobStoreErrorReason.ServiceUnavailable)]
    [InlineData(503, "ServerBusy", BlobStoreErrorReason.ServiceUnavailable)]
    public async Task ErrorCode_MapsToItsReasonNamingBlobAndCode(int status, string code, BlobStoreErrorReason reason)
    {
        var service = new FakeBlobService(_ => FakeBlobService.Error(status, code));
        var store = new AzureBlobStore(SharedKey, service.ClientOptions(maxRetries: 0));

        var error = await Assert.ThrowsAsync<BlobStoreException>(() => store.GetAsync(s_blob, new BlobRange(5, 10), Ct));

        Assert.Equal(reason, error.Reason);
        Assert.Equal(code, error.ErrorCode);
        Assert.Equal("ckpt", error.Container);
        Assert.Equal(s_blob.Name, error.BlobName);
        Assert.Contains(code, error.Message, StringComparison.Ordinal);
        Assert.Contains("ckpt", error.Message, StringComparison.Ordinal);
        if (reason != BlobStoreErrorReason.ContainerNotFound)
        {
            Assert.Contains(s_blob.Name, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ErrorCode_OnlyInTheBody_IsReadFromIt()
    {
        var service = new FakeBlobService(_ => FakeBlobService.Answer(412, [], Encoding.UTF8.GetBytes("<Error><Code>LeaseIdMissing</Code><Message>There is a lease.</Message></Error>")));
        var store = new AzureBlobStore(SharedKey, service.ClientOptions());

        var error = await Assert.ThrowsAsync<BlobStoreException>(() => store.DeleteAsync(s_blob, null, Ct));

        Assert.Equal(BlobStoreErrorReason.LeaseConflict, error.Reason);
        Assert.Equal("LeaseIdMissing", error.ErrorCode);
    }

    [Fact]
    public async Task ErrorCode_Unknown_KeepsTheServicesMessage()
    {
        var service = new FakeBlobService(_ => FakeBlobService.Error(400, "InvalidHeaderValue"));
        var store = new AzureBlobStore(SharedKey, service.ClientOptions());

        var error = await Assert.ThrowsAsync<BlobStoreException>(() => store.DeleteAsync(s_blob, null, Ct));

        Assert.Contains("Service says InvalidHeaderValue.", error.Message, StringComparison.Ordinal);
        Assert.Contains("400", error.Message, StringComparison.Ordinal);
    }

    private static HttpResponseMessage Blob(int status, byte[] body, string[] headers) =>
        FakeBlobService.Answer(status,
            ["ETag", "\"0x8DC1\"", "Last-Modified", "Sun, 01 Mar 2026 12:00:00 GMT", "Content-Type", "text/plain", "x-ms-lease-state", "available", .. headers],
            body);

    private static string Md5(byte[] bytes)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        hash.AppendData(bytes);
        return Convert.ToBase64String(hash.GetHashAndReset());
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
