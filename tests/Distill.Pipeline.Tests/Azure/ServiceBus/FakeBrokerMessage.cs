namespace Distill.Pipeline.Tests.Azure.ServiceBus;

/// <summary>One message in a queue, subscription or dead-letter queue of <see cref="FakeServiceBusBroker"/>.</summary>
internal sealed class FakeBrokerMessage
{
    public required long SequenceNumber { get; init; }

    public required string MessageId { get; init; }

    public string? CorrelationId { get; init; }

    public string? Label { get; init; }

    public string? ContentType { get; init; }

    public required byte[] Body { get; init; }

    /// <summary>Typed values (string, long, double, bool) as the broker parsed them from the send.</summary>
    public required IReadOnlyDictionary<string, object> Properties { get; init; }

    public required DateTimeOffset EnqueuedTime { get; init; }

    /// <summary>The scheduled time (or the enqueue time); invisible before it.</summary>
    public required DateTimeOffset VisibleAt { get; init; }

    public TimeSpan? TimeToLive { get; init; }

    public DateTimeOffset? ExpiresAt => TimeToLive is { } ttl ? EnqueuedTime + ttl : null;

    public int DeliveryCount { get; set; }

    public string? LockToken { get; set; }

    public DateTimeOffset LockedUntil { get; set; }

    public string? DeadLetterReason { get; set; }

    public string? DeadLetterErrorDescription { get; set; }

    public bool IsLocked(DateTimeOffset now) => LockToken is not null && LockedUntil > now;
}
