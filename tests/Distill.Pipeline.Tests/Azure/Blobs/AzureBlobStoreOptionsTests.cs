using Distill.Pipeline.Azure.Blobs;

namespace Distill.Pipeline.Tests.Azure.Blobs;

/// <summary>Connection strings and the validation of <see cref="AzureBlobStoreOptions"/>.</summary>
public sealed class AzureBlobStoreOptionsTests
{
    private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private const string OtherKey = "c2VjcmV0LWtleS1ieXRlcy1mb3ItdGVzdHM=";

    [Fact]
    public void FromConnectionString_UseDevelopmentStorage_IsAzuriteOnItsDefaultPort()
    {
        var options = AzureBlobStoreOptions.FromConnectionString("UseDevelopmentStorage=true");

        Assert.Equal(new Uri("http://127.0.0.1:10000/devstoreaccount1"), options.ServiceUri);
        Assert.Equal("devstoreaccount1", options.AccountName);
        Assert.Equal(Key, options.AccountKey);
        Assert.Equal(AzureBlobAuthentication.SharedKey, options.Authentication);
    }

    [Fact]
    public void FromConnectionString_AzuriteWithBlobEndpoint_KeepsThePathStyleEndpoint()
    {
        var options = AzureBlobStoreOptions.FromConnectionString(
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Key};BlobEndpoint=http://127.0.0.1:41234/devstoreaccount1;");

        Assert.Equal(new Uri("http://127.0.0.1:41234/devstoreaccount1"), options.ServiceUri);
        Assert.Equal("devstoreaccount1", options.ResolveAccountName());
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void FromConnectionString_AccountAndKey_BuildsTheAzureEndpoint()
    {
        var options = AzureBlobStoreOptions.FromConnectionString($"DefaultEndpointsProtocol=https;AccountName=distillstore;AccountKey={OtherKey};EndpointSuffix=core.windows.net;QueueEndpoint=https://x.queue.core.windows.net");

        Assert.Equal(new Uri("https://distillstore.blob.core.windows.net"), options.ServiceUri);
        Assert.Equal(OtherKey, options.AccountKey);
    }

    [Fact]
    public void FromConnectionString_OtherCloudSuffix_IsUsed()
    {
        var options = AzureBlobStoreOptions.FromConnectionString($"AccountName=distillstore;AccountKey={OtherKey};EndpointSuffix=core.chinacloudapi.cn");

        Assert.Equal(new Uri("https://distillstore.blob.core.chinacloudapi.cn"), options.ServiceUri);
    }

    [Fact]
    public void FromConnectionString_BlobEndpointAndSas_ChoosesSharedAccessSignature()
    {
        var options = AzureBlobStoreOptions.FromConnectionString("BlobEndpoint=https://distillstore.blob.core.windows.net/;SharedAccessSignature=sv=2024-11-04&sp=rl&sig=abc%3D");

        Assert.Equal(AzureBlobAuthentication.SharedAccessSignature, options.Authentication);
        Assert.Equal("sv=2024-11-04&sp=rl&sig=abc%3D", options.SasToken);
    }

    [Fact]
    public void FromConnectionString_Problems_AreAllListedWithoutTheSecrets()
    {
        var error = Assert.Throws<ArgumentException>(() => AzureBlobStoreOptions.FromConnectionString(
            $"DefaultEndpointsProtocol=ftp;AccountKey={OtherKey};Colour=blue;garbage;AccountKey={OtherKey}"));

        Assert.Contains("ftp", error.Message, StringComparison.Ordinal);
        Assert.Contains("unknown setting 'Colour'", error.Message, StringComparison.Ordinal);
        Assert.Contains("setting 4 is not Name=value", error.Message, StringComparison.Ordinal);
        Assert.Contains("AccountKey is given twice", error.Message, StringComparison.Ordinal);
        Assert.Contains("give AccountName", error.Message, StringComparison.Ordinal);
        Assert.Contains("AccountKey needs AccountName", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(OtherKey, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("UseDevelopmentStorage=false")]
    [InlineData("UseDevelopmentStorage=true;AccountName=other")]
    [InlineData("UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://proxy")]
    [InlineData("BlobEndpoint=not a uri")]
    public void FromConnectionString_Invalid_Throws(string connectionString)
    {
        var error = Assert.Throws<ArgumentException>(() => AzureBlobStoreOptions.FromConnectionString(connectionString));

        Assert.StartsWith("the storage connection string is invalid: ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://distillstore.blob.core.windows.net", "distillstore")]
    [InlineData("http://127.0.0.1:10000/devstoreaccount1", "devstoreaccount1")]
    [InlineData("http://localhost:10000/devstoreaccount1/", "devstoreaccount1")]
    [InlineData("https://storage.example.com", null)]
    public void ResolveAccountName_FromHostOrPath(string uri, string? expected)
    {
        Assert.Equal(expected, new AzureBlobStoreOptions { ServiceUri = new Uri(uri) }.ResolveAccountName());
    }

    [Fact]
    public void Validate_EntraIdOverHttp_IsAProblem()
    {
        var problems = new AzureBlobStoreOptions { ServiceUri = new Uri("http://127.0.0.1:10000/devstoreaccount1") }.Validate();

        Assert.Contains(problems, p => p.Contains("only sent over https", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_SharedKeyWithoutAnAccount_IsAProblem()
    {
        var problems = new AzureBlobStoreOptions { ServiceUri = new Uri("https://storage.example.com"), AccountKey = OtherKey }.Validate();

        Assert.Contains(problems, p => p.Contains("AccountName is required for Shared Key", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_EveryProblem_IsListed()
    {
        var problems = new AzureBlobStoreOptions
        {
            ServiceUri = new Uri("https://distillstore.blob.core.windows.net/?sv=1"),
            AccountName = "Bad_Name",
            AccountKey = OtherKey,
            Credential = new FixedTokenCredential("t"),
            ManagedIdentityClientId = "client",
        }.Validate();

        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, p => p.Contains("no query", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("AccountKey and Credential", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("'Bad_Name'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("ManagedIdentityClientId", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_ManagedIdentityOverHttps_IsFine()
    {
        var options = new AzureBlobStoreOptions { ServiceUri = new Uri("https://distillstore.blob.core.windows.net"), ManagedIdentityClientId = "4c2b8a3e-0000-0000-0000-000000000000" };

        Assert.Empty(options.Validate());
        Assert.Equal(AzureBlobAuthentication.EntraId, options.Authentication);
    }

    [Fact]
    public void ToString_NeverShowsTheKeyOrSignature()
    {
        var text = new AzureBlobStoreOptions { ServiceUri = new Uri("http://127.0.0.1:10000/devstoreaccount1"), AccountKey = Key }.ToString()
            + new AzureBlobStoreOptions { ServiceUri = new Uri("https://a.blob.core.windows.net"), SasToken = "sv=1&sig=secret" };

        Assert.DoesNotContain(Key, text, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", text, StringComparison.Ordinal);
        Assert.Contains("devstoreaccount1", text, StringComparison.Ordinal);
        Assert.Contains("SharedKey", text, StringComparison.Ordinal);
    }
}
