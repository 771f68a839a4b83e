namespace Distill.Pipeline.Messaging;

/// <summary>
/// Queues and topics with Azure Service Bus semantics: at-least-once delivery under a peek-lock, a delivery
/// count, dead-lettering after the entity's MaxDeliveryCount, duplicate detection by message id, scheduled
/// delivery, and topics that copy each message to every subscription whose filters match.
/// </summary>
/// <remarks>
/// <para>Entities come from the <see cref="BusTopology"/> the bus was built with; an unknown one fails with
/// <see cref="MessagingErrorReason.EntityNotFound"/>. Times (locks, schedules, windows, expiry) come from the
/// bus's clock.</para>
/// <para>Delivery: among visible messages (not locked, not scheduled or delayed into the future) a receive takes
/// the one with the lowest sequence number, so messages come out in the order they were sent unless one is
/// redelivered. Each receive adds one to the delivery count. A message that has already been delivered
/// MaxDeliveryCount times is not delivered again: when its lock expires or it is abandoned it moves to
/// <c>{entity}/$deadletterqueue</c> with <see cref="DeadLetterReasons.MaxDeliveryCountExceeded"/>. Messages in
/// a dead-letter queue are received, completed and abandoned like any other, never expire and never move on.</para>
/// <para>Settling: <see cref="CompleteAsync"/>, <see cref="AbandonAsync"/> and <see cref="RenewLockAsync"/>
/// need the lock of that delivery. When it is gone (expired, already settled, or the message delivered again
/// to someone else) they fail with <see cref="MessagingErrorReason.MessageLockLost"/>, and the holder must stop
/// work on the message: another receiver may have it.</para>
/// </remarks>
public interface IMessageBus : IAsyncDisposable
{
    /// <summary>
    /// Sends a message to a queue, or to a topic, which copies it to every subscription whose filters match (to
    /// none if none does). When the entity detects duplicates and a message with the same id was sent to it
    /// within the window, the message is dropped silently, as Service Bus does.
    /// </summary>
    /// <param name="entityName">A queue or topic name.</param>
    /// <exception cref="MessagingException"><see cref="MessagingErrorReason.EntityNotFound"/> or <see cref="MessagingErrorReason.MessageTooLarge"/>.</exception>
    /// <exception cref="ArgumentException">The message has an invalid id, time to live or application property.</exception>
    Task SendAsync(string entityName, BusMessage message, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends several messages to one queue or topic atomically (all or none), in order. Duplicate detection
    /// applies to each message.
    /// </summary>
    /// <exception cref="MessagingException"><see cref="MessagingErrorReason.EntityNotFound"/> or <see cref="MessagingErrorReason.MessageTooLarge"/>.</exception>
    /// <exception cref="ArgumentException">A message has an invalid id, time to live or application property.</exception>
    Task SendBatchAsync(string entityName, IReadOnlyList<BusMessage> messages, CancellationToken cancellationToken = default);

    /// <summary>
    /// Receives the next visible message under a peek-lock, waiting up to <paramref name="maxWait"/> (by the
    /// bus's clock) for one to arrive. The message stays in the entity, invisible to other receivers, until it
    /// is completed, abandoned or its lock expires.
    /// </summary>
    /// <param name="entityPath">A queue name, <c>{topic}/subscriptions/{name}</c>, or either followed by <c>/$deadletterqueue</c> (see <see cref="EntityPath"/>).</param>
    /// <param name="maxWait">How long to wait when nothing is visible; zero returns at once.</param>
    /// <returns>The locked message, or null when none became visible in time.</returns>
    /// <exception cref="MessagingException"><see cref="MessagingErrorReason.EntityNotFound"/>.</exception>
    Task<ReceivedBusMessage?> ReceiveAsync(string entityPath, TimeSpan maxWait, CancellationToken cancellationToken = default);

    /// <summary>Removes a received message for good.</summary>
    /// <exception cref="MessagingException"><see cref="MessagingErrorReason.MessageLockLost"/>.</exception>
    Task CompleteAsync(ReceivedBusMessage message, CancellationToken cancellationToken = default);

    /// <summary>
    /// Releases the lock so the message is delivered again: at once when <paramref name="redeliveryDelay"/> is
    /// zero, otherwise not before the delay has passed. The delivery count is kept (the next receive makes it one
    /// more). If the message has already been delivered MaxDeliveryCount times it moves to the dead-letter queue
    /// instead.
    /// </summary>
    /// <remarks>
    /// A delayed redelivery keeps the message id, body, broker and application properties and the delivery
    /// count; its <see cref="ReceivedBusMessage.SequenceNumber"/> and <see cref="ReceivedBusMessage.EnqueuedTime"/>
    /// may change, because an implementation on a broker without delayed abandon (Service Bus REST) re-sends it
    /// as a scheduled message and completes the original. The delay is not a duplicate-detection event: the
    /// redelivery is never dropped as a duplicate. Delivery stays at-least-once (a crash between the re-send and
    /// the completion delivers the message twice), as everywhere on this bus.
    /// <para>How such an implementation keeps the contract: the copy carries the logical message id and the
    /// delivery count so far in application properties and goes out under a fresh broker id (so duplicate
    /// detection keeps it); a receive reports the logical id and the carried count plus the broker's, hides the
    /// carrying properties, and when that total passes MaxDeliveryCount it abandons the copy without handing it
    /// out until the broker itself dead-letters it with <see cref="DeadLetterReasons.MaxDeliveryCountExceeded"/>. A
    /// subscription or dead-letter queue cannot be sent to, so there such an implementation keeps the lock (renewing it)
    /// until the delay has passed and then abandons; if its process stops first, the message returns when the lock runs out.</para>
    /// </remarks>
    /// <exception cref="MessagingException"><see cref="MessagingErrorReason.MessageLockLost"/>.</exception>
    Task AbandonAsync(ReceivedBusMessage message, TimeSpan redeliveryDelay = default, CancellationToken cancellationToken = default);

    /// <summary>
    /// Extends the lock by the entity's lock duration from now, and updates <see cref="ReceivedBusMessage.LockedUntil"/>.
    /// Long work renews every half lock duration or so.
    /// </summary>
    /// <returns>The new lock expiry.</returns>
    /// <exception cref="MessagingException"><see cref="MessagingErrorReason.MessageLockLost"/>.</exception>
    Task<DateTimeOffset> RenewLockAsync(ReceivedBusMessage message, CancellationToken cancellationToken = default);
}
