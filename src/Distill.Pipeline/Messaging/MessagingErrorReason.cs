namespace Distill.Pipeline.Messaging;

/// <summary>Why a bus operation failed; carried by <see cref="MessagingException"/>.</summary>
public enum MessagingErrorReason
{
    /// <summary>A failure that none of the other reasons describes; the message says what happened.</summary>
    General,

    /// <summary>The queue, topic, subscription or dead-letter queue is not in the bus topology.</summary>
    EntityNotFound,

    /// <summary>
    /// The lock on a received message is gone: it expired, the message was already completed, abandoned or
    /// dead-lettered, or another receiver holds it now. The holder must stop working on the message at once.
    /// </summary>
    MessageLockLost,

    /// <summary>The message (body and properties) is larger than the bus accepts.</summary>
    MessageTooLarge,
}
