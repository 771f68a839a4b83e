using Distill.Pipeline.Storage;

namespace Distill.Pipeline.Azure.Blobs;

/// <summary>What a request addressed and asked for, to turn its error response into the right <see cref="BlobStoreException"/>.</summary>
internal sealed record AzureBlobErrorContext(string Container, BlobAddress? Blob)
{
    /// <summary>The ETag conditions sent, to say which one failed.</summary>
    public BlobConditions? Conditions { get; init; }

    /// <summary>The lease id sent, for lease errors.</summary>
    public string? LeaseId { get; init; }

    /// <summary>The first byte of the range asked for, for 416 InvalidRange.</summary>
    public long? RangeOffset { get; init; }

    public static AzureBlobErrorContext For(BlobAddress blob) => new(blob.Container, blob);
}
