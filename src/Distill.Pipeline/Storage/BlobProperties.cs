namespace Distill.Pipeline.Storage;

/// <summary>What a store keeps about a blob besides its content.</summary>
public sealed record BlobProperties
{
    /// <summary>The content length in bytes.</summary>
    public required long Length { get; init; }

    /// <summary>
    /// An opaque version tag, quoted as in HTTP (<c>"0x8DC..."</c>), that changes on every write of content or
    /// metadata (not on lease operations). Compare with ordinal equality only.
    /// </summary>
    public required string ETag { get; init; }

    /// <summary>When the content or metadata was last written, to the second.</summary>
    public required DateTimeOffset LastModified { get; init; }

    public required string ContentType { get; init; }

    /// <summary>The metadata written with the blob; names compare without case.</summary>
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }

    public required BlobLeaseState LeaseState { get; init; }
}
