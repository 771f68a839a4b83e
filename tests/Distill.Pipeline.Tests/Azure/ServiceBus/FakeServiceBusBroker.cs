using Distill.Pipeline.Messaging;

namespace Distill.Pipeline.Tests.Azure.ServiceBus;

/// <summary>
/// The broker behind <see cref="FakeServiceBusServer"/>: Service Bus's documented semantics on a topology and a clock.
/// Peek-lock with lock tokens that expire, delivery counts, dead-lettering at MaxDeliveryCount
/// (<c>MaxDeliveryCountExceeded</c>) and on expiry (<c>TTLExpiredException</c>) when the entity asks for it, scheduled
/// messages, duplicate detection by MessageId within the window, topics copying to the subscriptions whose correlation
/// filters match, and a size limit. Thread-safe; <see cref="Changed"/> completes whenever something became receivable.
/// </summary>
internal sealed class FakeServiceBusBroker(BusTopology topology, TimeProvider timeProvider)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<FakeBrokerMessage>> _active = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, List<FakeBrokerMessage>> _deadLettered = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Dictionary<string, DateTimeOffset>> _sentIds = new(StringComparer.OrdinalIgnoreCase);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _nextSequence = 1;

    /// <summary>Largest message (body, broker and application properties) a send accepts, as Service Bus Standard's 256 KB.</summary>
    public int MaxMessageSizeBytes { get; set; } = 256 * 1024;

    /// <summary>Completes at the next send, abandon or other change that may make a message receivable.</summary>
    public Task Changed
    {
        get
        {
            lock (_gate)
            {
                return _changed.Task;
            }
        }
    }

    /// <summary>A message as a send brought it, before the broker assigns anything.</summary>
    public sealed record Incoming(
        string? MessageId,
        string? CorrelationId,
        string? Label,
        string? ContentType,
        DateTimeOffset? ScheduledEnqueueTime,
        TimeSpan? TimeToLive,
        byte[] Body,
        IReadOnlyDictionary<string, object> Properties,
        int Size);

    /// <summary>Sends to a queue or topic: 201, 410 (no such queue or topic) or 403 (too large; nothing is sent).</summary>
    public (int Status, string Detail) Send(string entityName, IReadOnlyList<Incoming> messages)
    {
        SendTarget target;
        try
        {
            target = topology.GetSendTarget(entityName);
        }
        catch (MessagingException)
        {
            return (410, $"The messaging entity '{entityName}' could not be found.");
        }
        var total = messages.Sum(m => m.Size);
        if (messages.Any(m => m.Size > MaxMessageSizeBytes) || total > MaxMessageSizeBytes)
        {
            return (403, $"The received message (size {total} bytes) exceeds the limit ({MaxMessageSizeBytes} bytes) currently allowed on the link.");
        }
        lock (_gate)
        {
            var now = timeProvider.GetUtcNow();
            foreach (var message in messages)
            {
                var messageId = message.MessageId ?? Guid.NewGuid().ToString("N");
                if (target.DuplicateDetectionWindow is { } window)
                {
                    var sent = SentIds(target.Name);
                    foreach (var old in sent.Where(p => p.Value <= now - window).Select(p => p.Key).ToList())
                    {
                        sent.Remove(old);
                    }
                    if (!sent.TryAdd(messageId, now))
                    {
                        continue;
                    }
                }
                var enqueued = message.ScheduledEnqueueTime is { } scheduled && scheduled > now ? scheduled : now;
                foreach (var receiver in target.Receivers)
                {
                    if (!receiver.Accepts(message.Label, message.CorrelationId, message.ContentType, message.Properties))
                    {
                        continue;
                    }
                    Active(receiver.Path).Add(new FakeBrokerMessage
                    {
                        SequenceNumber = _nextSequence++,
                        MessageId = messageId,
                        CorrelationId = message.CorrelationId,
                        Label = message.Label,
                        ContentType = message.ContentType,
                        Body = message.Body,
                        Properties = message.Properties,
                        EnqueuedTime = enqueued,
                        VisibleAt = enqueued,
                        TimeToLive = Min(message.TimeToLive, Min(target.DefaultMessageTimeToLive, receiver.DefaultMessageTimeToLive)),
                    });
                }
            }
            Pulse();
        }
        return (201, "");
    }

    /// <summary>
    /// Locks and returns the next receivable message of a queue, subscription or dead-letter queue (REST path such as
    /// <c>work/$DeadLetterQueue</c>), or null. False when the path names no entity.
    /// </summary>
    public bool TryReceive(string path, out FakeBrokerMessage? received, out ReceivableEntity? entity)
    {
        received = null;
        if (!TryResolve(path, out entity, out var deadLetter))
        {
            return false;
        }
        lock (_gate)
        {
            var now = timeProvider.GetUtcNow();
            Sweep(entity!, now);
            var messages = deadLetter ? DeadLettered(entity!.Path) : Active(entity!.Path);
            var next = messages.Where(m => !m.IsLocked(now) && m.VisibleAt <= now).OrderBy(m => m.SequenceNumber).FirstOrDefault();
            if (next is not null)
            {
                next.DeliveryCount++;
                next.LockToken = Guid.NewGuid().ToString();
                next.LockedUntil = now + entity.LockDuration;
                received = next;
            }
        }
        return true;
    }

    /// <summary>When something in the entity may next become receivable (a lock running out, a schedule coming due).</summary>
    public DateTimeOffset? NextChange(ReceivableEntity entity)
    {
        lock (_gate)
        {
            var now = timeProvider.GetUtcNow();
            return Active(entity.Path).Concat(DeadLettered(entity.Path))
                .SelectMany(m => new[] { m.LockToken is not null ? m.LockedUntil : DateTimeOffset.MaxValue, m.VisibleAt })
                .Where(t => t > now && t < DateTimeOffset.MaxValue)
                .DefaultIfEmpty(DateTimeOffset.MaxValue)
                .Min();
        }
    }

    /// <summary>
    /// Complete (DELETE), abandon (PUT) or renew (POST) the locked message <paramref name="idOrSequence"/> of a REST path:
    /// 200, 404 (no message under that lock, or the lock expired) or 410 (no such entity).
    /// </summary>
    public int Settle(string path, string idOrSequence, string lockToken, string method)
    {
        if (!TryResolve(path, out var entity, out var deadLetter))
        {
            return 410;
        }
        lock (_gate)
        {
            var now = timeProvider.GetUtcNow();
            var messages = deadLetter ? DeadLettered(entity!.Path) : Active(entity!.Path);
            var message = messages.FirstOrDefault(m =>
                (long.TryParse(idOrSequence, out var sequence) ? m.SequenceNumber == sequence : m.MessageId == idOrSequence)
                && string.Equals(m.LockToken, lockToken, StringComparison.OrdinalIgnoreCase)
                && m.LockedUntil > now);
            if (message is null)
            {
                return 404;
            }
            switch (method)
            {
                case "DELETE":
                    messages.Remove(message);
                    break;
                case "PUT":
                    message.LockToken = null;
                    if (!deadLetter && message.DeliveryCount >= entity.MaxDeliveryCount)
                    {
                        MoveToDeadLetter(entity, message, "MaxDeliveryCountExceeded", $"Message could not be consumed after {entity.MaxDeliveryCount} delivery attempts.");
                    }
                    Pulse();
                    break;
                case "POST":
                    message.LockedUntil = now + entity.LockDuration;
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(method), method, "DELETE, PUT or POST");
            }
            return 200;
        }
    }

    /// <summary>A snapshot of an entity's messages (REST path), for assertions.</summary>
    public IReadOnlyList<FakeBrokerMessage> Messages(string path)
    {
        if (!TryResolve(path, out var entity, out var deadLetter))
        {
            return [];
        }
        lock (_gate)
        {
            return [.. deadLetter ? DeadLettered(entity!.Path) : Active(entity!.Path)];
        }
    }

    private bool TryResolve(string path, out ReceivableEntity? entity, out bool deadLetter)
    {
        try
        {
            (entity, deadLetter) = topology.GetReceiveSource(path);
            return true;
        }
        catch (MessagingException)
        {
            entity = null;
            deadLetter = false;
            return false;
        }
    }

    /// <summary>Moves messages whose last delivery's lock ran out at MaxDeliveryCount, and unlocked expired ones.</summary>
    private void Sweep(ReceivableEntity entity, DateTimeOffset now)
    {
        foreach (var message in Active(entity.Path).ToList())
        {
            if (message.LockToken is not null && message.LockedUntil <= now)
            {
                message.LockToken = null;
                if (message.DeliveryCount >= entity.MaxDeliveryCount)
                {
                    MoveToDeadLetter(entity, message, "MaxDeliveryCountExceeded", $"Message could not be consumed after {entity.MaxDeliveryCount} delivery attempts.");
                    continue;
                }
            }
            if (message.LockToken is null && message.ExpiresAt <= now)
            {
                if (entity.DeadLetterOnMessageExpiration)
                {
                    MoveToDeadLetter(entity, message, "TTLExpiredException", "The message expired and was dead lettered.");
                }
                else
                {
                    Active(entity.Path).Remove(message);
                }
            }
        }
    }

    private void MoveToDeadLetter(ReceivableEntity entity, FakeBrokerMessage message, string reason, string description)
    {
        Active(entity.Path).Remove(message);
        message.LockToken = null;
        message.DeadLetterReason = reason;
        message.DeadLetterErrorDescription = description;
        DeadLettered(entity.Path).Add(message);
    }

    private void Pulse()
    {
        var previous = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
    }

    private List<FakeBrokerMessage> Active(string path) => Get(_active, path);

    private List<FakeBrokerMessage> DeadLettered(string path) => Get(_deadLettered, path);

    private Dictionary<string, DateTimeOffset> SentIds(string target)
    {
        if (!_sentIds.TryGetValue(target, out var ids))
        {
            ids = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            _sentIds.Add(target, ids);
        }
        return ids;
    }

    private static List<FakeBrokerMessage> Get(Dictionary<string, List<FakeBrokerMessage>> store, string path)
    {
        if (!store.TryGetValue(path, out var list))
        {
            list = [];
            store.Add(path, list);
        }
        return list;
    }

    private static TimeSpan? Min(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : a < b ? a : b;
}
