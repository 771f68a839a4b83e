namespace Distill.Pipeline.Storage;

/// <summary>Why a blob store operation failed; callers branch on this, never on the message.</summary>
public enum BlobStoreErrorReason
{
    /// <summary>The blob does not exist (Azure 404 BlobNotFound).</summary>
    NotFound,

    /// <summary>The container does not exist (Azure 404 ContainerNotFound).</summary>
    ContainerNotFound,

    /// <summary>
    /// A write condition failed: the If-Match ETag is not the blob's current one, or the blob already exists for an
    /// If-None-Match write (Azure 412 ConditionNotMet, 409 BlobAlreadyExists).
    /// </summary>
    ConditionNotMet,

    /// <summary>
    /// The blob is leased and the request does not hold that lease: a write or delete without the lease id or with
    /// another one, or an acquire while another lease is active or breaking (Azure 412 LeaseIdMissing,
    /// LeaseIdMismatchWithBlobOperation; 409 LeaseAlreadyPresent, LeaseIsBreakingAndCannotBeAcquired).
    /// </summary>
    LeaseConflict,

    /// <summary>
    /// The lease the request relies on is not (or no longer) active on the blob: it expired, was released, broken or
    /// taken by someone else, or there is no lease at all (Azure 412 LeaseLost, LeaseNotPresentWithBlobOperation;
    /// 409 LeaseIdMismatchWithLeaseOperation, LeaseNotPresentWithLeaseOperation, LeaseIsBrokenAndCannotBeRenewed).
    /// </summary>
    LeaseLost,

    /// <summary>The container name, blob name or prefix breaks the naming rules (see <see cref="BlobAddress"/>).</summary>
    InvalidName,

    /// <summary>The requested byte range starts beyond the end of the blob (Azure 416 InvalidRange).</summary>
    InvalidRange,

    /// <summary>
    /// The folder store cannot hold this name next to an existing one: a blob cannot also be a virtual folder of
    /// other blobs (<c>a</c> and <c>a/b</c>), because a file cannot also be a directory. Azure has no such limit.
    /// </summary>
    NameConflict,

    /// <summary>
    /// The store refused the caller's credentials or they lack the rights for the operation; retrying does not help
    /// (Azure 401, 403 AuthenticationFailed, AuthorizationFailure, AuthorizationPermissionMismatch,
    /// KeyBasedAuthenticationNotPermitted, ...). Only remote stores fail this way.
    /// </summary>
    AccessDenied,

    /// <summary>
    /// The store could not be reached or kept failing after its client's own retries (Azure 408, 429, 500, 502, 503,
    /// 504: OperationTimedOut, ServerBusy, InternalError; or a network failure). Transient: the work can be retried
    /// later, by redelivery, not by another retry loop around the store. Only remote stores fail this way.
    /// </summary>
    ServiceUnavailable,

    /// <summary>
    /// The store rejected the request for a reason none of the others describes (for example Azure 400 Md5Mismatch or
    /// InvalidHeaderValue); the message has the status and the error code. Only remote stores fail this way.
    /// </summary>
    ServiceError,
}
