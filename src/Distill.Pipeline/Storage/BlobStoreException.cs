using System.Diagnostics.CodeAnalysis;

namespace Distill.Pipeline.Storage;

/// <summary>A blob store operation failed for a reason callers can act on (<see cref="Reason"/>).</summary>
[SuppressMessage("Design", "CA1032:Implement standard exception constructors", Justification = "Every failure carries a reason; a reason-less constructor would let callers branch on a made-up one.")]
public sealed class BlobStoreException : Exception
{
    public BlobStoreException(BlobStoreErrorReason reason, string? container, string? blobName, string errorCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
        Container = container;
        BlobName = blobName;
        ErrorCode = errorCode;
    }

    /// <summary>What went wrong, for callers to branch on.</summary>
    public BlobStoreErrorReason Reason { get; }

    /// <summary>The container the operation addressed, when there is one.</summary>
    public string? Container { get; }

    /// <summary>The blob the operation addressed, when there is one.</summary>
    public string? BlobName { get; }

    /// <summary>The Azure Blob Storage error code this failure corresponds to (for example <c>LeaseIdMissing</c>), for logs.</summary>
    public string ErrorCode { get; }
}
