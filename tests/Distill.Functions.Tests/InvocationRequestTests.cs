using System.Text.Json;
using Distill.Functions.Hosting;
using Distill.Functions.Invocation;

namespace Distill.Functions.Tests;

public sealed class InvocationRequestTests
{
    /// <summary>The queue-trigger request azure.md §1.4 documents (the host's own sample), byte for byte.</summary>
    private const string DocumentedRequest = """
        {"Data":{"msg":"\"{\\\"hello\\\":\\\"world\\\"}\""},
         "Metadata":{"DeliveryCount":"1","MessageId":"\"088f6e7b-2c63-4c6e-a3a1-1b3f4b1f1a6e\"","hello":"\"world\"",
                     "sys":{"MethodName":"OnUpload","UtcNow":"2026-03-01T12:00:00Z","RandGuid":"3bd4f2b6-0f5e-4a4c-9e33-3c1f5b6f0c1a"}}}
        """;

    private static InvocationRequest Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return InvocationRequest.Parse(document.RootElement);
    }

    [Fact]
    public void Parse_DocumentedRequest_DecodesTheDoubleEncodedBodyAndTheEncodedScalars()
    {
        var request = Parse(DocumentedRequest);

        Assert.Equal("""{"hello":"world"}""", request.TriggerText("msg"));
        Assert.Equal("088f6e7b-2c63-4c6e-a3a1-1b3f4b1f1a6e", request.MetadataString("MessageId"));
        Assert.Equal(1, request.MetadataInt64("deliverycount"));
        Assert.Equal("world", request.MetadataString("hello"));
        Assert.Null(request.MetadataString("CorrelationId"));
    }

    [Fact]
    public void HostInvocation_BodyLikeTheDocumentedOne_EncodesItAsTheHostDoes()
    {
        var built = new HostInvocation { Body = """{"hello":"world"}""", MessageId = "088f6e7b-2c63-4c6e-a3a1-1b3f4b1f1a6e" }.ToJson();
        using var ours = JsonDocument.Parse(built);
        using var documented = JsonDocument.Parse(DocumentedRequest);

        Assert.Equal(
            documented.RootElement.GetProperty("Data").GetProperty("msg").GetString(),
            ours.RootElement.GetProperty("Data").GetProperty(HostInvocation.BindingName).GetString());
        foreach (var key in new[] { "DeliveryCount", "MessageId", "hello" })
        {
            Assert.Equal(documented.RootElement.GetProperty("Metadata").GetProperty(key).GetString(), ours.RootElement.GetProperty("Metadata").GetProperty(key).GetString());
        }
    }

    [Theory]
    [InlineData("\"\\\"plain text\\\"\"", "plain text")]
    [InlineData("\"\\\"\\\\\\\"quoted\\\\\\\"\\\"\"", "\"quoted\"")]
    [InlineData("\"{\\\"once\\\":1}\"", "{\"once\":1}")]
    [InlineData("\"not json\"", "not json")]
    [InlineData("{\"object\":true}", "{\"object\":true}")]
    public void TriggerText_EachWayTheHostMayCarryABody_IsTheBodyText(string encoded, string expected)
    {
        var request = Parse($$$"""{"Data":{"message":{{{encoded}}}}}""");

        Assert.Equal(expected, request.TriggerText("message"));
    }

    [Fact]
    public void Read_DeadLetteredStageCommand_TakesTheReasonOutOfTheApplicationProperties()
    {
        var json = new HostInvocation
        {
            FunctionName = "OnStageDeadLetter",
            Body = """{"runId":"r1"}""",
            MessageId = "r1:prepare:1",
            DeliveryCount = 3,
            SequenceNumber = 77,
            CorrelationId = "r1",
            Subject = "distill.stage.run",
            ApplicationProperties = { ["runId"] = "r1", ["attempt"] = 1L, ["DeadLetterReason"] = "MaxDeliveryCountExceeded", ["DeadLetterErrorDescription"] = "too many" },
        }.ToJson();

        var message = ServiceBusTriggerMessage.Read(Parse(json), PipelineFunctions.OnStageDeadLetter, "inv-1", DateTimeOffset.UnixEpoch);

        Assert.Equal("stages/$deadletterqueue", message.EntityPath);
        Assert.Equal(("r1:prepare:1", 3, 77L, "r1", "distill.stage.run"), (message.MessageId, message.DeliveryCount, message.SequenceNumber, message.CorrelationId, message.Subject));
        Assert.Equal(("MaxDeliveryCountExceeded", "too many"), (message.DeadLetterReason, message.DeadLetterErrorDescription));
        Assert.Equal(["attempt", "runId"], message.ApplicationProperties.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(1L, message.ApplicationProperties["attempt"]);
        Assert.Equal("""{"runId":"r1"}""", message.BodyToString());
        Assert.Null(message.ExpiresAt);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 11, 59, 0, TimeSpan.Zero), message.EnqueuedTime);
    }

    [Fact]
    public void Read_CloudEventBody_KeepsTheMessageSubjectThoughTheHostOverwroteSubjectWithTheEvents()
    {
        var json = new HostInvocation
        {
            FunctionName = "OnStageEvent",
            Body = """{"specversion":"1.0","id":"e1","source":"/distill/runs/r1","type":"distill.stage.completed","subject":"stages/prepare","data":{}}""",
            MessageId = "e1",
            Subject = "distill.stage.completed",
        }.ToJson();
        using var document = JsonDocument.Parse(json);
        Assert.Equal("\"stages/prepare\"", document.RootElement.GetProperty("Metadata").GetProperty("Subject").GetString());

        var message = ServiceBusTriggerMessage.Read(Parse(json), PipelineFunctions.OnStageEvent, "inv-2", DateTimeOffset.UnixEpoch);

        Assert.Equal("distill.stage.completed", message.Subject);
        Assert.Null(message.DeadLetterReason);
    }
}
