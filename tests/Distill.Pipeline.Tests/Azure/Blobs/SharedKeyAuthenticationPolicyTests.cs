using Azure.Core;
using Azure.Core.Pipeline;
using Distill.Pipeline.Azure.Blobs;
using Microsoft.Extensions.Time.Testing;

namespace Distill.Pipeline.Tests.Azure.Blobs;

/// <summary>Shared Key signing against the rules in Blob Storage's documentation and the signatures Azurite computes.</summary>
public sealed class SharedKeyAuthenticationPolicyTests
{
    private const string Account = "devstoreaccount1";
    private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly HttpPipeline s_pipeline = HttpPipelineBuilder.Build(new AzureBlobClientOptions());

    [Fact]
    public void StringToSign_LeaseOnAzuritePathStyleUrl_NamesTheAccountTwice()
    {
        var request = LeaseRequest();

        Assert.Equal(
            "PUT\n\n\n\n\n\n\n\n\n\n\n\n" +
            "x-ms-date:Sun, 11 Oct 2026 21:49:13 GMT\nx-ms-lease-action:acquire\nx-ms-lease-duration:60\nx-ms-version:2024-11-04\n" +
            "/devstoreaccount1/devstoreaccount1/ckpt/a.bin\ncomp:lease",
            SharedKeyAuthenticationPolicy.StringToSign(request, Account));
    }

    [Fact]
    public void OnSendingRequest_AtAFixedTime_DatesAndSignsAsAzuriteComputes()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 10, 11, 21, 49, 13, TimeSpan.Zero));
        var policy = new SharedKeyAuthenticationPolicy(Account, Key, time);
        var message = s_pipeline.CreateMessage();
        message.Request.Method = RequestMethod.Put;
        message.Request.Uri.Reset(new Uri("http://127.0.0.1:10000/devstoreaccount1/ckpt/a.bin?comp=lease"));
        message.Request.Headers.SetValue("x-ms-lease-action", "acquire");
        message.Request.Headers.SetValue("x-ms-lease-duration", "60");
        message.Request.Headers.SetValue("x-ms-version", "2024-11-04");

        policy.OnSendingRequest(message);

        Assert.True(message.Request.Headers.TryGetValue("x-ms-date", out var date));
        Assert.Equal("Sun, 11 Oct 2026 21:49:13 GMT", date);
        Assert.True(message.Request.Headers.TryGetValue("Authorization", out var authorization));
        // HMAC-SHA256 of the string above under the emulator key, as computed by Azurite's own computeHMACSHA256.
        Assert.Equal("SharedKey devstoreaccount1:1furrjeYkYcZeMuN741x7KVmBe0tJXHVZ+jKaPDqc7E=", authorization);
    }

    [Fact]
    public void StringToSign_ListWithQuery_SortsNamesAndDecodesValues()
    {
        var request = s_pipeline.CreateRequest();
        request.Method = RequestMethod.Get;
        request.Uri.Reset(new Uri("http://127.0.0.1:10000/devstoreaccount1/ckpt?restype=container&comp=list&prefix=run42%2F&marker=a%2Bb%3D"));

        var text = SharedKeyAuthenticationPolicy.StringToSign(request, Account);

        Assert.EndsWith("/devstoreaccount1/devstoreaccount1/ckpt\ncomp:list\nmarker:a+b=\nprefix:run42/\nrestype:container", text, StringComparison.Ordinal);
    }

    [Fact]
    public void StringToSign_AzureHostStyleUrl_NamesTheAccountOnce()
    {
        var request = s_pipeline.CreateRequest();
        request.Method = RequestMethod.Head;
        request.Uri.Reset(new Uri("https://myaccount.blob.core.windows.net/ckpt/with%20space/%C3%A9t%C3%A9.bin"));

        Assert.EndsWith("\n/myaccount/ckpt/with%20space/%C3%A9t%C3%A9.bin", SharedKeyAuthenticationPolicy.StringToSign(request, "myaccount"), StringComparison.Ordinal);
    }

    [Fact]
    public void StringToSign_PutWithContent_PlacesStandardHeadersAndLength()
    {
        var request = s_pipeline.CreateRequest();
        request.Method = RequestMethod.Put;
        request.Uri.Reset(new Uri("http://127.0.0.1:10000/devstoreaccount1/ckpt/a.bin"));
        request.Headers.SetValue("Content-Type", "application/json");
        request.Headers.SetValue("Content-MD5", "XUFAKrxLKna5cZ2REBfFkg==");
        request.Headers.SetValue("If-Match", "\"0x1\"");
        request.Headers.SetValue("x-ms-version", "2024-11-04");
        request.Content = RequestContent.Create("hello"u8.ToArray());

        Assert.Equal(
            "PUT\n\n\n5\nXUFAKrxLKna5cZ2REBfFkg==\napplication/json\n\n\n\"0x1\"\n\n\n\n" +
            "x-ms-version:2024-11-04\n/devstoreaccount1/devstoreaccount1/ckpt/a.bin",
            SharedKeyAuthenticationPolicy.StringToSign(request, Account));
    }

    [Fact]
    public void StringToSign_EmptyContent_SignsLengthAsEmpty()
    {
        var request = s_pipeline.CreateRequest();
        request.Method = RequestMethod.Put;
        request.Uri.Reset(new Uri("http://127.0.0.1:10000/devstoreaccount1/ckpt/a.bin"));
        request.Content = RequestContent.Create(Array.Empty<byte>());

        Assert.StartsWith("PUT\n\n\n\n\n", SharedKeyAuthenticationPolicy.StringToSign(request, Account), StringComparison.Ordinal);
    }

    [Fact]
    public void StringToSign_MetadataHeaders_LowercasedAndSortedAsAzuriteSortsThem()
    {
        var request = s_pipeline.CreateRequest();
        request.Method = RequestMethod.Put;
        request.Uri.Reset(new Uri("http://127.0.0.1:10000/devstoreaccount1/ckpt/a.bin"));
        request.Headers.SetValue("x-ms-meta-ab", "3");
        request.Headers.SetValue("x-ms-meta-a1", "2");
        request.Headers.SetValue("X-MS-Meta-B", "4");
        request.Headers.SetValue("x-ms-meta-a_b", "1");

        var text = SharedKeyAuthenticationPolicy.StringToSign(request, Account);

        // Azurite sorts with localeCompare: '_' comes before digits there, after them in ordinal order.
        Assert.Contains("\nx-ms-meta-a_b:1\nx-ms-meta-a1:2\nx-ms-meta-ab:3\nx-ms-meta-b:4\n/devstoreaccount1", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("x-ms-meta-a_b", "x-ms-meta-a-b")]
    [InlineData("x-ms-meta-a-b", "x-ms-meta-a0")]
    [InlineData("x-ms-meta-a9", "x-ms-meta-aa")]
    [InlineData("x-ms-lease-id", "x-ms-version")]
    [InlineData("x-ms-meta-a", "x-ms-meta-a_")]
    public void HeaderComparer_OrdersUnderscoreHyphenDigitsLetters(string first, string second)
    {
        Assert.True(SharedKeyHeaderComparer.Instance.Compare(first, second) < 0);
        Assert.True(SharedKeyHeaderComparer.Instance.Compare(second, first) > 0);
        Assert.Equal(0, SharedKeyHeaderComparer.Instance.Compare(first, first));
    }

    private static Request LeaseRequest()
    {
        var request = s_pipeline.CreateRequest();
        request.Method = RequestMethod.Put;
        request.Uri.Reset(new Uri("http://127.0.0.1:10000/devstoreaccount1/ckpt/a.bin?comp=lease"));
        request.Headers.SetValue("x-ms-version", "2024-11-04");
        request.Headers.SetValue("x-ms-lease-duration", "60");
        request.Headers.SetValue("x-ms-lease-action", "acquire");
        request.Headers.SetValue("x-ms-date", "Sun, 11 Oct 2026 21:49:13 GMT");
        return request;
    }
}
