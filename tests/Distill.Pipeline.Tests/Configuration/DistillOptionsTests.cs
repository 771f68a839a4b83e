using Distill.Pipeline.Azure.Blobs;
using Distill.Pipeline.Configuration;
using Microsoft.Extensions.Configuration;

namespace Distill.Pipeline.Tests.Configuration;

public sealed class DistillOptionsTests
{
    private const string ServiceBusConnectionString = "Endpoint=sb://sb-test.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=c2VjcmV0LWtleQ==";
    private const string ClientId = "0b7a3c1e-4d7f-4c61-9a2f-8f0e6b1d2c3a";

    private static DistillOptions Bind(params string[] settings) =>
        DistillOptions.FromConfiguration(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => s.Split('=', 2)).Select(p => new KeyValuePair<string, string?>(p[0], p[1])))
            .Build());

    [Fact]
    public void FromConfiguration_InMemoryKeys_BindsEverySection()
    {
        var options = Bind(
            "Distill:Storage:Kind=Azure",
            "Distill:Storage:ServiceUri=https://stdistill.blob.core.windows.net",
            "Distill:Bus:Kind=ServiceBus",
            "Distill:Bus:Namespace=sb-distill.servicebus.windows.net",
            "Distill:Events:EventGridEndpoint=https://evgt-distill.westeurope-1.eventgrid.azure.net/api/events",
            "Distill:Events:StageEvents=true",
            $"Distill:Identity:ClientId={ClientId}");

        Assert.Equal(StorageKind.Azure, options.Storage.Kind);
        Assert.Equal(new Uri("https://stdistill.blob.core.windows.net"), options.Storage.ServiceUri);
        Assert.Equal(BusKind.ServiceBus, options.Bus.Kind);
        Assert.Equal("sb-distill.servicebus.windows.net", options.Bus.Namespace);
        Assert.Equal(new Uri("https://evgt-distill.westeurope-1.eventgrid.azure.net/api/events"), options.Events.EventGridEndpoint);
        Assert.True(options.Events.StageEvents);
        Assert.Equal(ClientId, options.Identity.ClientId);
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void FromConfiguration_EnvironmentVariables_DoubleUnderscoresAreSections()
    {
        var prefix = $"DISTILL_OPTIONS_TEST_{Guid.NewGuid():N}_";
        string[] names = ["Distill__Storage__Kind", "Distill__Storage__Folder", "Distill__Bus__Kind", "Distill__Bus__Path"];
        string[] values = ["folder", "/tmp/distill-env/blobs", "SQLITE", "/tmp/distill-env/bus.db"];
        try
        {
            for (var i = 0; i < names.Length; i++)
            {
                Environment.SetEnvironmentVariable(prefix + names[i], values[i]);
            }
            var options = DistillOptions.FromConfiguration(new ConfigurationBuilder().AddEnvironmentVariables(prefix).Build());

            Assert.Equal(StorageKind.Folder, options.Storage.Kind);
            Assert.Equal("/tmp/distill-env/blobs", options.Storage.Folder);
            Assert.Equal(BusKind.Sqlite, options.Bus.Kind);
            Assert.Equal("/tmp/distill-env/bus.db", options.Bus.Path);
            Assert.Empty(options.Validate());
        }
        finally
        {
            foreach (var name in names)
            {
                Environment.SetEnvironmentVariable(prefix + name, null);
            }
        }
    }

    [Fact]
    public void FromConfiguration_TheSectionItself_ReadsTheSameKeys()
    {
        var root = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Distill:Storage:Kind"] = "Folder",
            ["Distill:Storage:Folder"] = "blobs",
            ["Distill:Bus:Kind"] = "Sqlite",
            ["Distill:Bus:Path"] = "bus.db",
        }).Build();

        var options = DistillOptions.FromConfiguration(root.GetSection("Distill"));

        Assert.Equal(StorageKind.Folder, options.Storage.Kind);
        Assert.Equal("bus.db", options.Bus.Path);
    }

    [Fact]
    public void Validate_NothingConfigured_RequiresBothKinds()
    {
        var problems = Bind().Validate();

        Assert.Equal(["Distill:Storage:Kind is required: Folder or Azure", "Distill:Bus:Kind is required: Sqlite or ServiceBus"], problems);
    }

    [Theory]
    [InlineData("Distill:Storage:Kind 'Blob' is not Folder or Azure", "Distill:Storage:Kind=Blob")]
    [InlineData("Distill:Storage:Kind '1' is not Folder or Azure", "Distill:Storage:Kind=1")]
    [InlineData("Distill:Storage:Folder is required when Distill:Storage:Kind is Folder", "Distill:Storage:Kind=Folder")]
    [InlineData("Distill:Storage:ServiceUri applies only when Distill:Storage:Kind is Azure", "Distill:Storage:Kind=Folder", "Distill:Storage:Folder=b", "Distill:Storage:ServiceUri=https://a.blob.core.windows.net")]
    [InlineData("Distill:Storage:ConnectionString applies only when Distill:Storage:Kind is Azure", "Distill:Storage:Kind=Folder", "Distill:Storage:Folder=b", "Distill:Storage:ConnectionString=UseDevelopmentStorage=true")]
    [InlineData("Distill:Storage:ServiceUri is required when Distill:Storage:Kind is Azure", "Distill:Storage:Kind=Azure")]
    [InlineData("Distill:Storage:Folder applies only when Distill:Storage:Kind is Folder", "Distill:Storage:Kind=Azure", "Distill:Storage:Folder=b", "Distill:Storage:ServiceUri=https://a.blob.core.windows.net")]
    [InlineData("give Distill:Storage:ServiceUri (Entra ID) or Distill:Storage:ConnectionString, not both", "Distill:Storage:Kind=Azure", "Distill:Storage:ServiceUri=https://a.blob.core.windows.net", "Distill:Storage:ConnectionString=UseDevelopmentStorage=true")]
    [InlineData("Distill:Storage:ServiceUri 'blob.core.windows.net' is not an absolute http or https address", "Distill:Storage:Kind=Azure", "Distill:Storage:ServiceUri=blob.core.windows.net")]
    [InlineData("Distill:Storage:ServiceUri: Entra ID tokens are only sent over https", "Distill:Storage:Kind=Azure", "Distill:Storage:ServiceUri=http://a.blob.core.windows.net")]
    [InlineData("Distill:Storage:ConnectionString: the storage connection string is invalid", "Distill:Storage:Kind=Azure", "Distill:Storage:ConnectionString=AccountName=x")]
    [InlineData("Distill:Bus:Kind 'Queue' is not Sqlite or ServiceBus", "Distill:Bus:Kind=Queue")]
    [InlineData("Distill:Bus:Path is required when Distill:Bus:Kind is Sqlite", "Distill:Bus:Kind=Sqlite")]
    [InlineData("Distill:Bus:Namespace applies only when Distill:Bus:Kind is ServiceBus", "Distill:Bus:Kind=Sqlite", "Distill:Bus:Path=bus.db", "Distill:Bus:Namespace=sb.servicebus.windows.net")]
    [InlineData("Distill:Bus:ConnectionString applies only when Distill:Bus:Kind is ServiceBus", "Distill:Bus:Kind=Sqlite", "Distill:Bus:Path=bus.db", "Distill:Bus:ConnectionString=" + ServiceBusConnectionString)]
    [InlineData("Distill:Bus:Namespace is required when Distill:Bus:Kind is ServiceBus", "Distill:Bus:Kind=ServiceBus")]
    [InlineData("Distill:Bus:Path applies only when Distill:Bus:Kind is Sqlite", "Distill:Bus:Kind=ServiceBus", "Distill:Bus:Path=bus.db", "Distill:Bus:Namespace=sb.servicebus.windows.net")]
    [InlineData("give Distill:Bus:Namespace (Entra ID) or Distill:Bus:ConnectionString, not both", "Distill:Bus:Kind=ServiceBus", "Distill:Bus:Namespace=sb.servicebus.windows.net", "Distill:Bus:ConnectionString=" + ServiceBusConnectionString)]
    [InlineData("Distill:Bus:Namespace: FullyQualifiedNamespace 'https://sb.servicebus.windows.net' is not a host name", "Distill:Bus:Kind=ServiceBus", "Distill:Bus:Namespace=https://sb.servicebus.windows.net")]
    [InlineData("Distill:Bus:ConnectionString: the Service Bus connection string has", "Distill:Bus:Kind=ServiceBus", "Distill:Bus:ConnectionString=Endpoint=sb://x.servicebus.windows.net/")]
    [InlineData("Distill:Events:EventGridEndpoint 'http://topic.westeurope-1.eventgrid.azure.net/api/events' is not https", "Distill:Events:EventGridEndpoint=http://topic.westeurope-1.eventgrid.azure.net/api/events")]
    [InlineData("Distill:Events:EventGridEndpoint 'topic' is not an absolute http or https address", "Distill:Events:EventGridEndpoint=topic")]
    [InlineData("Distill:Events:StageEvents is true but Distill:Events:EventGridEndpoint is not set", "Distill:Events:StageEvents=true")]
    [InlineData("Distill:Events:StageEvents 'yes' is not true or false", "Distill:Events:StageEvents=yes")]
    [InlineData("Distill:Identity:ClientId 'my-identity' is not a client id", "Distill:Identity:ClientId=my-identity")]
    public void Validate_ProblemSettings_NamesTheKey(string expected, params string[] settings)
    {
        var problems = Bind(settings).Validate();

        Assert.Contains(problems, p => p.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_UnreadableServiceUri_IsNotAlsoReportedMissing()
    {
        var problems = Bind("Distill:Storage:Kind=Azure", "Distill:Storage:ServiceUri=not an address", "Distill:Bus:Kind=Sqlite", "Distill:Bus:Path=bus.db").Validate();

        Assert.Equal(["Distill:Storage:ServiceUri 'not an address' is not an absolute http or https address"], problems);
    }

    [Fact]
    public void Validate_ConnectionStrings_AreAcceptedWithoutAnIdentity()
    {
        var options = Bind(
            "Distill:Storage:Kind=Azure",
            "Distill:Storage:ConnectionString=UseDevelopmentStorage=true",
            "Distill:Bus:Kind=ServiceBus",
            "Distill:Bus:ConnectionString=" + ServiceBusConnectionString,
            $"Distill:Identity:ClientId={ClientId}");

        Assert.Empty(options.Validate());
        Assert.Equal(AzureBlobAuthentication.SharedKey, options.AzureBlobOptions().Authentication);
    }

    [Fact]
    public void ThrowIfInvalid_SeveralProblems_OneExceptionNamingEveryKey()
    {
        var options = Bind("Distill:Storage:Kind=Azure", "Distill:Bus:Kind=Sqlite", "Distill:Identity:ClientId=x");

        var e = Assert.Throws<DistillConfigurationException>(options.ThrowIfInvalid);

        Assert.Equal(3, e.Problems.Count);
        Assert.Contains("3 problems", e.Message, StringComparison.Ordinal);
        Assert.Contains(DistillConfigurationKeys.StorageServiceUri, e.Message, StringComparison.Ordinal);
        Assert.Contains(DistillConfigurationKeys.BusPath, e.Message, StringComparison.Ordinal);
        Assert.Contains(DistillConfigurationKeys.IdentityClientId, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToStringAndProblems_ConnectionStrings_NeverShowTheKeys()
    {
        var options = Bind(
            "Distill:Storage:Kind=Azure",
            $"Distill:Storage:ConnectionString=AccountName=devstoreaccount1;AccountKey={AzureStorageConnectionString.DevelopmentAccountKey};BlobEndpoint=ftp://x",
            "Distill:Bus:Kind=ServiceBus",
            "Distill:Bus:ConnectionString=" + ServiceBusConnectionString);

        var text = options + string.Join(" ", options.Validate());

        Assert.Contains("(connection string)", text, StringComparison.Ordinal);
        Assert.DoesNotContain(AzureStorageConnectionString.DevelopmentAccountKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0LWtleQ==", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ForLocalStore_IsFolderAndSqliteInTheStoreLayout()
    {
        var options = DistillOptions.ForLocalStore("some/store");

        Assert.Equal(StorageKind.Folder, options.Storage.Kind);
        Assert.Equal(Path.GetFullPath("some/store/blobs"), options.Storage.Folder);
        Assert.Equal(BusKind.Sqlite, options.Bus.Kind);
        Assert.Equal(Path.GetFullPath("some/store/bus.db"), options.Bus.Path);
        Assert.Empty(options.Validate());
    }
}
