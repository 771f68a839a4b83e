using Distill.Contracts.Storage;

namespace Distill.Pipeline.Uploads;

/// <summary>A finished upload: its id (the run id), the manifest blob as written (its ETag and length), and what was sent.</summary>
public sealed record UploadResult
{
    public required string UploadId { get; init; }

    /// <summary>The upload's folder, <c>uploads/{uploadId}</c>.</summary>
    public required BlobLocation Upload { get; init; }

    /// <summary>The manifest's ETag, as its write returned it.</summary>
    public required string ManifestETag { get; init; }

    public required long ManifestLength { get; init; }

    /// <summary>When the manifest was written.</summary>
    public required DateTimeOffset ManifestWrittenAt { get; init; }

    /// <summary>Files uploaded, the manifest included.</summary>
    public required int Files { get; init; }

    /// <summary>Bytes uploaded, the manifest included.</summary>
    public required long Bytes { get; init; }
}
