using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Distill.Pipeline.Messaging;

/// <summary>
/// A message received under a peek-lock: what was sent, plus the broker's delivery state. Settle it with
/// <see cref="IMessageBus.CompleteAsync"/> or <see cref="IMessageBus.AbandonAsync"/> while the lock holds.
/// </summary>
public sealed class ReceivedBusMessage
{
    private static readonly IReadOnlyDictionary<string, object> s_noProperties =
        new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);

    private DateTimeOffset _lockedUntil;

    /// <summary>The path it was received from: a queue, <c>{topic}/subscriptions/{name}</c>, either with <c>/$deadletterqueue</c>.</summary>
    public required string EntityPath { get; init; }

    public ReadOnlyMemory<byte> Body { get; init; }

    public required string MessageId { get; init; }

    public string? CorrelationId { get; init; }

    public string? Subject { get; init; }

    public string? ContentType { get; init; }

    /// <summary>The application properties as sent (an int sent is a long here).</summary>
    public IReadOnlyDictionary<string, object> ApplicationProperties { get; init; } = s_noProperties;

    /// <summary>Unique within the entity and increasing in the order messages were enqueued.</summary>
    public long SequenceNumber { get; init; }

    /// <summary>When the message became available (its scheduled time if it was scheduled).</summary>
    public DateTimeOffset EnqueuedTime { get; init; }

    /// <summary>When the message expires unless completed first; null when it never does.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>How many times the message has been delivered, counting this delivery (1 on the first).</summary>
    public int DeliveryCount { get; init; }

    /// <summary>Identifies this delivery's lock; settling needs it.</summary>
    public required string LockToken { get; init; }

    /// <summary>When the lock runs out unless renewed; <see cref="IMessageBus.RenewLockAsync"/> moves it.</summary>
    public DateTimeOffset LockedUntil
    {
        get => _lockedUntil;
        init => _lockedUntil = value;
    }

    /// <summary>Why the bus dead-lettered the message (see <see cref="DeadLetterReasons"/>); null outside a dead-letter queue.</summary>
    public string? DeadLetterReason { get; init; }

    /// <summary>A sentence describing the dead-lettering; null outside a dead-letter queue.</summary>
    public string? DeadLetterErrorDescription { get; init; }

    /// <summary>The body decoded as UTF-8.</summary>
    public string BodyToString() => Encoding.UTF8.GetString(Body.Span);

    /// <summary>The body deserialized from JSON through a source-generated <paramref name="typeInfo"/>.</summary>
    /// <exception cref="JsonException">The body is not JSON of that shape; the message names the message id.</exception>
    public T BodyFromJson<T>(JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        T? value;
        try
        {
            value = JsonSerializer.Deserialize(Body.Span, typeInfo);
        }
        catch (JsonException e)
        {
            throw new JsonException($"message '{MessageId}' from {EntityPath}: the body is not a valid {typeof(T).Name}: {e.Message}", e);
        }
        return value ?? throw new JsonException($"message '{MessageId}' from {EntityPath}: the body is JSON null, expected {typeof(T).Name}");
    }

    internal void SetLockedUntil(DateTimeOffset lockedUntil) => _lockedUntil = lockedUntil;
}
