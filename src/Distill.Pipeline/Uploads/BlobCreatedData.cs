using System.Text.Json.Serialization;

namespace Distill.Pipeline.Uploads;

/// <summary>The <c>data</c> of a <c>Microsoft.Storage.BlobCreated</c> event, as Azure Storage writes it.</summary>
public sealed record BlobCreatedData
{
    /// <summary>The operation that created the blob: PutBlob, PutBlockList, CopyBlob, FlushWithClose.</summary>
    [JsonPropertyName("api")]
    public string? Api { get; init; }

    [JsonPropertyName("clientRequestId")]
    public string? ClientRequestId { get; init; }

    [JsonPropertyName("requestId")]
    public string? RequestId { get; init; }

    /// <summary>The ETag of the version created, quoted (<c>"0x8D4BCC2E4835CD0"</c>).</summary>
    [JsonPropertyName("eTag")]
    public string? ETag { get; init; }

    [JsonPropertyName("contentType")]
    public string? ContentType { get; init; }

    [JsonPropertyName("contentLength")]
    public long? ContentLength { get; init; }

    [JsonPropertyName("blobType")]
    public string? BlobType { get; init; }

    /// <summary>The blob's URL (<c>https://{account}.blob.core.windows.net/uploads/run42/pipeline.json</c>; a file URL locally).</summary>
    [JsonPropertyName("url")]
    public string? Url { get; init; }

    /// <summary>Orders the events of one blob.</summary>
    [JsonPropertyName("sequencer")]
    public string? Sequencer { get; init; }
}
