namespace Distill.Pipeline.Storage;

/// <summary>
/// Conditions a write or delete must meet, evaluated atomically with it (Azure's If-Match, If-None-Match and
/// x-ms-lease-id headers). A failed ETag condition throws <see cref="BlobStoreErrorReason.ConditionNotMet"/>; a
/// lease mismatch throws <see cref="BlobStoreErrorReason.LeaseConflict"/> or <see cref="BlobStoreErrorReason.LeaseLost"/>.
/// </summary>
public sealed record BlobConditions
{
    /// <summary>Create only: fail when the blob already exists (<c>If-None-Match: *</c>).</summary>
    public static BlobConditions IfNotExists { get; } = new() { IfNoneMatch = "*" };

    /// <summary>Only when the blob is at this ETag (<c>*</c>: only when it exists). Fails on a blob that does not exist.</summary>
    public string? IfMatch { get; init; }

    /// <summary>Only when the blob is not at this ETag; <c>*</c>: only when it does not exist.</summary>
    public string? IfNoneMatch { get; init; }

    /// <summary>The lease the caller holds on the blob: required to write or delete a leased blob.</summary>
    public string? LeaseId { get; init; }

    /// <summary>Only when the blob is at <paramref name="etag"/>, for read-modify-write.</summary>
    public static BlobConditions IfMatchETag(string etag) => new() { IfMatch = etag };

    internal void Validate()
    {
        if (IfMatch is not null && IfNoneMatch is not null)
        {
            throw new ArgumentException("give If-Match or If-None-Match, not both", nameof(IfMatch));
        }
        if (IfMatch is { Length: 0 } || IfNoneMatch is { Length: 0 })
        {
            throw new ArgumentException("an ETag condition cannot be empty", nameof(IfMatch));
        }
        if (LeaseId is not null)
        {
            BlobLeases.ParseLeaseId(LeaseId, nameof(LeaseId));
        }
    }
}
