using Distill.Pipeline.Azure.ServiceBus;
using Distill.Pipeline.Messaging;

namespace Distill.Pipeline.Tests.Azure.ServiceBus;

public sealed class ServiceBusRestOptionsTests
{
    private const string Key = "bm90LWEtcmVhbC1rZXk=";

    [Theory]
    [InlineData("Endpoint=sb://sb-x.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=" + Key)]
    [InlineData(" endpoint = https://sb-x.servicebus.windows.net ; sharedaccesskeyname=send ; sharedaccesskey=" + Key + ";")]
    public void Parse_NamespaceConnectionString_GivesSharedAccessKeyOptions(string connectionString)
    {
        var options = ServiceBusConnectionString.Parse(connectionString);

        Assert.Equal("sb-x.servicebus.windows.net", options.FullyQualifiedNamespace);
        Assert.Equal(ServiceBusAuthenticationKind.SharedAccessKey, options.Authentication);
        Assert.Equal("send", options.SharedAccessKeyName);
        Assert.Equal(Key, options.SharedAccessKey);
        Assert.Equal(new Uri("https://sb-x.servicebus.windows.net/"), options.Endpoint);
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void Parse_KeyEndingInPadding_KeepsTheEqualsSigns()
    {
        var options = ServiceBusConnectionString.Parse("Endpoint=sb://a.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=abc==");

        Assert.Equal("abc==", options.SharedAccessKey);
    }

    [Fact]
    public void Parse_EntityPathAndMissingParts_ListsEveryProblemWithoutTheKey()
    {
        var error = Assert.Throws<FormatException>(() => ServiceBusConnectionString.Parse(
            "Endpoint=http://sb-x.servicebus.windows.net/queue;SharedAccessKey=" + Key + ";EntityPath=stages;Colour=blue"));

        Assert.Contains("'EntityPath' is not supported", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Endpoint' is 'http://sb-x.servicebus.windows.net/queue'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'SharedAccessKeyName' is missing", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Colour'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_BadSettings_ListsEveryProblem()
    {
        var options = new ServiceBusRestOptions
        {
            FullyQualifiedNamespace = "https://sb-x.servicebus.windows.net/",
            Authentication = ServiceBusAuthenticationKind.SharedAccessKey,
            MaxReceiveRequestWait = TimeSpan.Zero,
        };

        var problems = options.Validate();

        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("FullyQualifiedNamespace", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("SharedAccessKeyName", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("SharedAccessKey is empty", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("MaxReceiveRequestWait", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_EntraIdWithAKey_SaysToChooseOne()
    {
        var options = new ServiceBusRestOptions { FullyQualifiedNamespace = "sb-x.servicebus.windows.net", SharedAccessKey = Key };

        Assert.Contains("choose one way", Assert.Single(options.Validate()), StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_LeavesTheKeyOut()
    {
        var options = ServiceBusConnectionString.Parse($"Endpoint=sb://sb-x.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey={Key}");

        Assert.DoesNotContain(Key, options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsBeforeAnyRequest()
    {
        var options = new ServiceBusRestOptions { FullyQualifiedNamespace = "", Authentication = ServiceBusAuthenticationKind.SharedAccessKey };

        var error = Assert.Throws<ArgumentException>(() => new ServiceBusRestBus(options, new BusTopology([new QueueDefinition("q")])));

        Assert.Contains("FullyQualifiedNamespace is empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SharedAccessSignature_KnownInputs_GivesTheDocumentedShape()
    {
        var expiry = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

        var token = ServiceBusSharedAccessSignature.Create(new Uri("https://sb-x.servicebus.windows.net/"), "send", Key, expiry);

        Assert.StartsWith("SharedAccessSignature sr=https%3A%2F%2Fsb-x.servicebus.windows.net%2F&sig=", token, StringComparison.Ordinal);
        Assert.EndsWith("&se=1800000000&skn=send", token, StringComparison.Ordinal);
    }
}
