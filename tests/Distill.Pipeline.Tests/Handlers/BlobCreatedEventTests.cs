using System.Text.Json;
using Distill.Pipeline.Uploads;

namespace Distill.Pipeline.Tests.Handlers;

public sealed class BlobCreatedEventTests
{
    /// <summary>The Event Grid schema's BlobCreated event, as Azure Storage's documentation shows it.</summary>
    private const string EventGridSchema = """
        [{ "topic": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct",
          "subject": "/blobServices/default/containers/uploads/blobs/run42/pipeline.json",
          "eventType": "Microsoft.Storage.BlobCreated", "eventTime": "2026-06-26T18:41:00.9584103Z",
          "id": "831e1650-001e-001b-66ab-eeb76e069631",
          "data": { "api": "PutBlockList", "clientRequestId": "c", "requestId": "r", "eTag": "\"0x8D4BCC2E4835CD0\"",
                    "contentType": "application/json", "contentLength": 524288, "blobType": "BlockBlob",
                    "url": "https://acct.blob.core.windows.net/uploads/run42/pipeline.json",
                    "sequencer": "00000000000004420000000000028963", "storageDiagnostics": { "batchId": "b" } },
          "dataVersion": "", "metadataVersion": "1" }]
        """;

    [Fact]
    public void Parse_EventGridSchema_ReadsTheEnvelopeAndTheData()
    {
        var parsed = BlobCreatedEvent.Parse(EventGridSchema);

        Assert.Equal("831e1650-001e-001b-66ab-eeb76e069631", parsed.Id);
        Assert.Equal(BlobCreatedEvent.EventType, parsed.Type);
        Assert.Equal("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct", parsed.Source);
        Assert.Equal(new DateTimeOffset(2026, 6, 26, 18, 41, 0, TimeSpan.Zero).AddTicks(9584103), parsed.Time);
        Assert.Equal("\"0x8D4BCC2E4835CD0\"", parsed.Data.ETag);
        Assert.Equal(524288, parsed.Data.ContentLength);
        Assert.Equal("https://acct.blob.core.windows.net/uploads/run42/pipeline.json", parsed.Data.Url);
        Assert.True(parsed.TryGetUploadId(out var uploadId));
        Assert.Equal("run42", uploadId);
    }

    [Fact]
    public void ForUploadManifest_RoundTripsThroughTheCloudEventsSchema()
    {
        var time = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
        var created = BlobCreatedEvent.ForUploadManifest("run-7", "\"0xABC\"", 321, time, new Uri("file:///data/store/blobs/"));

        var json = created.ToJson();
        var parsed = BlobCreatedEvent.Parse(json);

        using var document = JsonDocument.Parse(json);
        Assert.Equal("1.0", document.RootElement.GetProperty("specversion").GetString());
        Assert.Equal("Microsoft.Storage.BlobCreated", document.RootElement.GetProperty("type").GetString());
        Assert.Equal("/blobServices/default/containers/uploads/blobs/run-7/pipeline.json", document.RootElement.GetProperty("subject").GetString());
        Assert.Equal("file:///data/store/blobs/uploads/run-7/pipeline.json", document.RootElement.GetProperty("data").GetProperty("url").GetString());
        Assert.Equal(created, parsed with { Data = created.Data });
        Assert.Equal(created.Data, parsed.Data);
        Assert.True(Guid.TryParse(created.Id, out _));
        Assert.Equal(created.Id, BlobCreatedEvent.ForUploadManifest("run-7", "\"0xABC\"", 321, time, new Uri("file:///data/store/blobs/")).Id);
        Assert.NotEqual(created.Id, BlobCreatedEvent.ForUploadManifest("run-7", "\"0xABD\"", 321, time, new Uri("file:///data/store/blobs/")).Id);
        Assert.Equal(created.Id, created.ToBusMessage().MessageId);
    }

    [Theory]
    [InlineData("/blobServices/default/containers/uploads/blobs/run42/data/train.jsonl")]
    [InlineData("/blobServices/default/containers/runs/blobs/run42/pipeline.json")]
    [InlineData("/blobServices/default/containers/uploads/blobs/Run42/pipeline.json")]
    [InlineData("/blobServices/default/containers/uploads/blobs/a/b/pipeline.json")]
    public void TryGetUploadId_AnotherBlob_IsFalse(string subject)
    {
        var parsed = BlobCreatedEvent.Parse(EventGridSchema) with { Subject = subject };

        Assert.False(parsed.TryGetUploadId(out _));
    }

    [Fact]
    public void TryGetUploadId_AnotherEventType_IsFalse()
    {
        var parsed = BlobCreatedEvent.Parse(EventGridSchema) with { Type = "Microsoft.Storage.BlobDeleted" };

        Assert.False(parsed.TryGetUploadId(out _));
    }

    [Theory]
    [InlineData("[]", "holds 0 events")]
    [InlineData("{\"id\": \"x\"}", "needs 'specversion'")]
    [InlineData("{\"specversion\": \"1.0\", \"id\": \"x\", \"source\": \"s\", \"type\": \"t\", \"subject\": \"s\"}", "needs 'data'")]
    [InlineData("{\"specversion\": \"1.0\", \"source\": \"s\", \"type\": \"t\", \"subject\": \"s\", \"data\": {}}", "needs 'id'")]
    public void Parse_Malformed_ThrowsSayingWhat(string json, string expected)
    {
        var error = Assert.Throws<JsonException>(() => BlobCreatedEvent.Parse(json));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
