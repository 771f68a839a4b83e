namespace Distill.Pipeline.Messaging;

/// <summary>A queue: competing consumers receive each message once under a peek-lock. Defaults are Service Bus's.</summary>
public sealed class QueueDefinition(string name)
{
    /// <summary>Letters, digits, '.', '-', '_'; starts and ends with a letter or digit; at most 260 characters.</summary>
    public string Name { get; } = name;

    /// <summary>How long a receive locks a message (more than zero, at most 5 minutes as on Service Bus).</summary>
    public TimeSpan LockDuration { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Deliveries before the message moves to the dead-letter queue (at least 1).</summary>
    public int MaxDeliveryCount { get; init; } = 10;

    /// <summary>When set, a message whose id was sent to this queue within the window is dropped silently.</summary>
    public TimeSpan? DuplicateDetectionWindow { get; init; }

    /// <summary>Caps every message's time to live; null: messages never expire unless they say so.</summary>
    public TimeSpan? DefaultMessageTimeToLive { get; init; }

    /// <summary>Expired messages move to the dead-letter queue instead of being dropped.</summary>
    public bool DeadLetterOnMessageExpiration { get; init; }
}
