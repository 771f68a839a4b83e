namespace Distill.Pipeline.Storage;

/// <summary>
/// Blob storage with Azure Blob Storage's semantics: containers of named blobs, streaming reads and writes, ETags
/// and conditional writes, and leases. Failures the caller can act on throw <see cref="BlobStoreException"/>; bad
/// arguments throw <see cref="ArgumentException"/>. <see cref="FolderBlobStore"/> keeps blobs in a folder; an Azure
/// client maps each method to the Blob REST operation of the same name. Every implementation passes the same
/// conformance tests (tests/Distill.Pipeline.Tests/Storage/BlobStoreConformanceTests.cs).
/// </summary>
public interface IBlobStore
{
    /// <summary>Creates the container unless it exists; true when this call created it.</summary>
    Task<bool> CreateContainerIfNotExistsAsync(string container, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the blob from <paramref name="content"/>, read to its end and never buffered whole, replacing any
    /// existing content, content type and metadata in one step: readers see the old blob or the new one, never a
    /// mix. The write fails without effect when a condition in <paramref name="options"/> fails, and a leased blob
    /// needs its lease id there. The lease, if any, is kept.
    /// </summary>
    Task<BlobWriteResult> PutAsync(BlobAddress blob, Stream content, BlobPutOptions? options, CancellationToken cancellationToken);

    /// <summary>Opens the blob (or <paramref name="range"/> of it) for reading, with the properties of the version read.</summary>
    Task<BlobDownload> GetAsync(BlobAddress blob, BlobRange? range, CancellationToken cancellationToken);

    Task<BlobProperties> GetPropertiesAsync(BlobAddress blob, CancellationToken cancellationToken);

    /// <summary>
    /// The blobs whose names start with <paramref name="prefix"/> (all when null or empty), nested names included,
    /// in ordinal order of their names, as Azure lists them. Pages are fetched as the enumeration proceeds.
    /// </summary>
    IAsyncEnumerable<BlobItem> ListAsync(string container, string? prefix, CancellationToken cancellationToken);

    /// <summary>Deletes the blob; a leased blob needs its lease id in <paramref name="conditions"/>.</summary>
    Task DeleteAsync(BlobAddress blob, BlobConditions? conditions, CancellationToken cancellationToken);

    /// <summary>
    /// Acquires a lease on an existing blob for <paramref name="duration"/> (15 to 60 whole seconds, or
    /// <see cref="BlobLeases.InfiniteDuration"/>) and returns its id: <paramref name="proposedLeaseId"/> (a GUID) when
    /// given, else a new one. Fails with <see cref="BlobStoreErrorReason.LeaseConflict"/> while another lease is active
    /// or breaking; acquiring again with the active lease's id restarts it with the new duration.
    /// </summary>
    Task<string> AcquireLeaseAsync(BlobAddress blob, TimeSpan duration, string? proposedLeaseId, CancellationToken cancellationToken);

    /// <summary>
    /// Restarts the lease's duration. An expired lease can be renewed as long as nobody acquired the blob or wrote it
    /// since; otherwise this fails with <see cref="BlobStoreErrorReason.LeaseLost"/>.
    /// </summary>
    Task RenewLeaseAsync(BlobAddress blob, string leaseId, CancellationToken cancellationToken);

    /// <summary>Ends the lease at once so that anyone can acquire the blob; fails with <see cref="BlobStoreErrorReason.LeaseLost"/> for another lease id.</summary>
    Task ReleaseLeaseAsync(BlobAddress blob, string leaseId, CancellationToken cancellationToken);

    /// <summary>
    /// Breaks the blob's lease without its id: after <paramref name="breakPeriod"/> (0 to 60 whole seconds; null: the
    /// rest of a finite lease, at once for an infinite one) anyone can acquire the blob, and the old lease can no longer
    /// be renewed. Returns the time left until the lease is broken.
    /// </summary>
    Task<TimeSpan> BreakLeaseAsync(BlobAddress blob, TimeSpan? breakPeriod, CancellationToken cancellationToken);
}
