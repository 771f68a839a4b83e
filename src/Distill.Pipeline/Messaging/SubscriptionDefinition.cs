namespace Distill.Pipeline.Messaging;

/// <summary>
/// A topic subscription: a queue of its own that receives a copy of each message sent to the topic that
/// passes its filters. Defaults are Service Bus's.
/// </summary>
public sealed class SubscriptionDefinition(string name)
{
    /// <summary>Letters, digits, '.', '-', '_'; starts and ends with a letter or digit; at most 50 characters.</summary>
    public string Name { get; } = name;

    /// <summary>
    /// The subscription's rules: a message is copied here when any filter matches. Empty (the default): every
    /// message, like Service Bus's default true rule.
    /// </summary>
    public IReadOnlyList<CorrelationFilter> Filters { get; init; } = [];

    /// <summary>How long a receive locks a message (more than zero, at most 5 minutes as on Service Bus).</summary>
    public TimeSpan LockDuration { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Deliveries before the message moves to the dead-letter queue (at least 1).</summary>
    public int MaxDeliveryCount { get; init; } = 10;

    /// <summary>Caps every message's time to live; null: messages never expire unless they say so.</summary>
    public TimeSpan? DefaultMessageTimeToLive { get; init; }

    /// <summary>Expired messages move to the dead-letter queue instead of being dropped.</summary>
    public bool DeadLetterOnMessageExpiration { get; init; }
}
