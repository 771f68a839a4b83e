using System.Data.Common;
using Distill.Pipeline.Messaging;
using Distill.Pipeline.Storage;

namespace Distill.Pipeline.Handlers;

/// <summary>
/// The one place that says which failures are transient: the store or the bus could not be reached or was busy, an
/// I/O operation failed, a conditional write kept losing its race. The dispatcher abandons a message that failed
/// with one, so the bus delivers it again after a delay; after the entity's maximum delivery count it is dead-lettered
/// and <see cref="DeadLetterHandler"/> fails its run. Bad input is not transient: handlers record it on the run (a
/// rejected upload, a failed run) and the message is completed.
/// </summary>
public static class TransientFaults
{
    /// <summary>True when the same work may succeed if tried again later.</summary>
    public static bool IsTransient(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            // A bad name, a range past the end or a name clash will fail the same way every time; a missing blob, a
            // lease held by someone else or a condition lost to other writers may not.
            BlobStoreException blob => blob.Reason is not (BlobStoreErrorReason.InvalidName or BlobStoreErrorReason.InvalidRange or BlobStoreErrorReason.NameConflict),
            // An unknown entity is a deployment error and a message too large a bug; anything else is the bus being unreachable or busy.
            MessagingException bus => bus.Reason is MessagingErrorReason.General or MessagingErrorReason.MessageLockLost,
            IOException or TimeoutException or HttpRequestException or DbException => true,
            AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsTransient),
            _ => false,
        };
    }
}
