namespace Distill.Pipeline.Storage;

/// <summary>
/// The failures every <see cref="IBlobStore"/> reports, each with its Azure error code and a message naming the
/// container and blob, so that the folder store and the Azure client fail with the same words.
/// </summary>
internal static class BlobStoreErrors
{
    public static BlobStoreException NotFound(BlobAddress blob) =>
        new(BlobStoreErrorReason.NotFound, blob.Container, blob.Name, "BlobNotFound",
            $"blob '{blob.Name}' does not exist in container '{blob.Container}'");

    public static BlobStoreException ContainerNotFound(string container, string? blobName) =>
        new(BlobStoreErrorReason.ContainerNotFound, container, blobName, "ContainerNotFound",
            $"container '{container}' does not exist{For(blobName)}; create it with CreateContainerIfNotExistsAsync");

    public static BlobStoreException ETagMismatch(BlobAddress blob, string expected) =>
        new(BlobStoreErrorReason.ConditionNotMet, blob.Container, blob.Name, "ConditionNotMet",
            $"blob '{blob.Name}' in container '{blob.Container}' is not at ETag {expected} (If-Match): it was changed, deleted or never written");

    public static BlobStoreException ETagMatched(BlobAddress blob, string etag) =>
        new(BlobStoreErrorReason.ConditionNotMet, blob.Container, blob.Name, "ConditionNotMet",
            $"blob '{blob.Name}' in container '{blob.Container}' is still at ETag {etag} (If-None-Match)");

    public static BlobStoreException AlreadyExists(BlobAddress blob) =>
        new(BlobStoreErrorReason.ConditionNotMet, blob.Container, blob.Name, "BlobAlreadyExists",
            $"blob '{blob.Name}' already exists in container '{blob.Container}' (If-None-Match: *)");

    public static BlobStoreException LeaseIdMissing(BlobAddress blob) =>
        new(BlobStoreErrorReason.LeaseConflict, blob.Container, blob.Name, "LeaseIdMissing",
            $"blob '{blob.Name}' in container '{blob.Container}' is leased and the request gives no lease id");

    public static BlobStoreException LeaseIdMismatchWithBlobOperation(BlobAddress blob) =>
        new(BlobStoreErrorReason.LeaseConflict, blob.Container, blob.Name, "LeaseIdMismatchWithBlobOperation",
            $"blob '{blob.Name}' in container '{blob.Container}' is leased under another lease id than the request's");

    public static BlobStoreException LeaseAlreadyPresent(BlobAddress blob) =>
        new(BlobStoreErrorReason.LeaseConflict, blob.Container, blob.Name, "LeaseAlreadyPresent",
            $"blob '{blob.Name}' in container '{blob.Container}' already has an active lease held by someone else");

    public static BlobStoreException LeaseIsBreaking(BlobAddress blob) =>
        new(BlobStoreErrorReason.LeaseConflict, blob.Container, blob.Name, "LeaseIsBreakingAndCannotBeAcquired",
            $"the lease on blob '{blob.Name}' in container '{blob.Container}' is breaking; a new lease can be acquired once it is broken");

    public static BlobStoreException LeaseLost(BlobAddress blob) =>
        new(BlobStoreErrorReason.LeaseLost, blob.Container, blob.Name, "LeaseLost",
            $"the request gives a lease id but blob '{blob.Name}' in container '{blob.Container}' has no active lease (it expired, was released or broken, or the blob does not exist)");

    public static BlobStoreException LeaseIdMismatchWithLeaseOperation(BlobAddress blob, string leaseId) =>
        new(BlobStoreErrorReason.LeaseLost, blob.Container, blob.Name, "LeaseIdMismatchWithLeaseOperation",
            $"lease {leaseId} is not the lease of blob '{blob.Name}' in container '{blob.Container}' (it was released, or it expired and someone else acquired the blob)");

    public static BlobStoreException LeaseNotPresent(BlobAddress blob) =>
        new(BlobStoreErrorReason.LeaseLost, blob.Container, blob.Name, "LeaseNotPresentWithLeaseOperation",
            $"blob '{blob.Name}' in container '{blob.Container}' has no lease");

    public static BlobStoreException LeaseBroken(BlobAddress blob, string leaseId) =>
        new(BlobStoreErrorReason.LeaseLost, blob.Container, blob.Name, "LeaseIsBrokenAndCannotBeRenewed",
            $"lease {leaseId} on blob '{blob.Name}' in container '{blob.Container}' was broken and cannot be renewed");

    public static BlobStoreException InvalidName(string? container, string? blobName, string problem) =>
        new(BlobStoreErrorReason.InvalidName, container, blobName, "InvalidResourceName",
            blobName is null
                ? $"invalid container name '{container}': {problem}"
                : $"invalid blob name '{blobName}' in container '{container}': {problem}");

    public static BlobStoreException InvalidRange(BlobAddress blob, long offset, long length) =>
        new(BlobStoreErrorReason.InvalidRange, blob.Container, blob.Name, "InvalidRange",
            $"the range starting at byte {offset} is beyond the end of blob '{blob.Name}' in container '{blob.Container}' ({length} bytes)");

    public static BlobStoreException NameConflict(BlobAddress blob, string problem) =>
        new(BlobStoreErrorReason.NameConflict, blob.Container, blob.Name, "NameConflict",
            $"blob '{blob.Name}' cannot be stored in container '{blob.Container}': {problem}");

    private static string For(string? blobName) => blobName is null ? "" : $" (blob '{blobName}')";
}
